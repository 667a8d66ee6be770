// A postgres.js client for the worker whose COPY reads cannot stall the
// connection.
//
// postgres.js pauses the socket when a COPY stream's buffer is full and
// resumes it only from the stream's read(). When that pause lands in the same
// socket read as CopyDone, the stream ends with the socket still paused and
// the next statement on the connection (COMMIT) never gets its answer
// (porsager/postgres#917). The client below owns its sockets so that
// `resumeReads()` can undo that pause once a COPY stream has ended; they are
// the TLS sockets when the URL asks for TLS (`sslmode`), since those are the
// ones postgres.js reads from.
import net from "node:net";
import { Duplex } from "node:stream";
import tls from "node:tls";
import postgres from "postgres";

/** A client and the way to unstick its sockets after a COPY. */
export interface WorkerDb {
  sql: postgres.Sql;
  /** Resumes every socket of the client; call it when a COPY stream has ended. */
  resumeReads(): void;
}

/**
 * The connections a worker running `concurrency` exports at once needs: one
 * for each export's transaction, and one that heartbeats, claims and
 * completions share.
 */
export function workerConnections(concurrency: number): number {
  return concurrency + 1;
}

/** Options for {@link workerDb}. */
export interface WorkerDbOptions {
  /** The most connections the pool opens. */
  max: number;
  /**
   * Seconds a connection may sit idle before it is closed; 0 keeps it open.
   * An instance that outlives its work must not hold connections a small
   * database has few of.
   */
  idleTimeoutSeconds?: number;
}

/**
 * How the worker's connections use TLS, from the URL's `sslmode` as libpq
 * reads it: `disable` (also when absent), `prefer` (TLS when the server
 * offers it), `require` (TLS, the certificate unchecked), `verify-full` (TLS
 * with a certificate for the host, signed by the CA in the file `sslrootcert`
 * names, else by one the system trusts).
 */
export type TlsMode = "disable" | "prefer" | "require" | "verify-full";

/** What {@link connectionTarget} reads from a database URL. */
export interface ConnectionTarget {
  /** The URL without the parameters postgres.js would send on as server settings. */
  url: string;
  tls: TlsMode;
  /** The CA certificate (PEM) that signs the server's, for `verify-full`. */
  rootCertificate?: string;
}

const tlsModes: readonly string[] = ["disable", "prefer", "require", "verify-full"];

/** The TLS settings of a database URL, and the URL to hand postgres.js. */
export function connectionTarget(url: string): ConnectionTarget {
  const query = url.indexOf("?");
  if (query === -1) return { url, tls: "disable" };
  const params = new URLSearchParams(url.slice(query + 1));
  const mode = params.get("sslmode") ?? "disable";
  if (!tlsModes.includes(mode)) {
    throw new Error(
      `the worker does not support sslmode=${mode}: use one of ${tlsModes.join(", ")}`,
    );
  }
  const rootFile = params.get("sslrootcert");
  params.delete("sslmode");
  params.delete("sslrootcert");
  const rest = params.toString();
  return {
    url: url.slice(0, query) + (rest ? `?${rest}` : ""),
    tls: mode as TlsMode,
    rootCertificate: rootFile ? Deno.readTextFileSync(rootFile) : undefined,
  };
}

/** Connects to `url` with at most `options.max` connections. */
export function workerDb(url: string, options: WorkerDbOptions): WorkerDb {
  const target = connectionTarget(url);
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    return socket;
  };
  const sql = postgres(target.url, {
    max: options.max,
    idle_timeout: options.idleTimeoutSeconds ?? 0,
    // The sockets below negotiate TLS themselves.
    ssl: false,
    connection: { application_name: "exports-worker" },
    onnotice: () => {},
    // The socket is handed over while it connects, as postgres.js's own are:
    // a connection that fails must reach postgres.js as the socket's 'error'
    // and 'close', which return the connection to the pool. A factory that
    // throws instead leaves it connecting for good, and once every
    // connection has failed so (the database restarting) no query runs again.
    socket: ({ host, port, connect_timeout }: {
      host: string[];
      port: number[];
      connect_timeout: number;
    }) =>
      target.tls === "disable"
        ? track(net.connect({ host: host[0], port: port[0] }))
        : tlsSocket(host[0], port[0], target, connect_timeout * 1_000).then(track),
  } as postgres.Options<Record<string, never>>);
  return { sql, resumeReads: () => sockets.forEach((socket) => socket.resume()) };
}

// The SSLRequest message: its length, then the code 1234 5679.
const sslRequest = new Uint8Array([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * A socket to Postgres that has negotiated TLS as `target` asks (the server
 * answers an SSLRequest with "S" before the handshake), or the plain one
 * where `prefer` met a server without TLS. It never rejects: a connection
 * that fails resolves to a socket that then fails the same way, once
 * postgres.js is listening (see the socket factory above).
 */
function tlsSocket(
  host: string,
  port: number,
  target: ConnectionTarget,
  timeoutMs: number,
): Promise<net.Socket> {
  return new Promise((resolve) => {
    let settled = false;
    const raw = net.connect({ host, port });
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      raw.destroy();
      // Takes the startup message postgres.js writes at once, then fails.
      const failed = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
      resolve(failed as net.Socket);
      setTimeout(() => failed.destroy(error));
    };
    const timer = setTimeout(
      () => fail(new Error(`TLS negotiation with ${host}:${port} timed out`)),
      timeoutMs,
    );
    raw.once("error", fail);
    raw.once("close", () => fail(new Error(`${host}:${port} closed the connection`)));
    raw.once("connect", () => raw.write(sslRequest));
    raw.once("data", (reply: Uint8Array) => {
      raw.removeAllListeners();
      if (reply[0] !== 0x53) {
        if (target.tls !== "prefer") {
          return fail(
            new Error(
              `the database at ${host}:${port} does not accept TLS (sslmode=${target.tls})`,
            ),
          );
        }
        settled = true;
        clearTimeout(timer);
        return resolve(raw);
      }
      // The TLS socket reads and writes the same connection: errors surface there.
      raw.on("error", () => {});
      const verify = target.tls === "verify-full";
      const secure = tls.connect({
        socket: raw,
        servername: net.isIP(host) ? undefined : host,
        rejectUnauthorized: verify,
        ca: verify ? target.rootCertificate : undefined,
      });
      secure.once("error", fail);
      secure.once("secureConnect", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(secure);
      });
    });
  });
}
