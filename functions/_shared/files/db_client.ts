// A postgres.js client for the worker whose COPY reads cannot stall the
// connection.
//
// postgres.js pauses the socket when a COPY stream's buffer is full and
// resumes it only from the stream's read(). When that pause lands in the same
// socket read as CopyDone, the stream ends with the socket still paused and
// the next statement on the connection (COMMIT) never gets its answer
// (porsager/postgres#917). The client below owns its sockets so that
// `resumeReads()` can undo that pause once a COPY stream has ended.
import net from "node:net";
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

/** Connects to `url` with at most `options.max` connections. */
export function workerDb(url: string, options: WorkerDbOptions): WorkerDb {
  const sockets = new Set<net.Socket>();
  const sql = postgres(url, {
    max: options.max,
    idle_timeout: options.idleTimeoutSeconds ?? 0,
    onnotice: () => {},
    // The socket is handed over while it connects, as postgres.js's own are:
    // a connection that fails must reach postgres.js as the socket's 'error'
    // and 'close', which return the connection to the pool. A factory that
    // throws instead leaves it connecting for good, and once every
    // connection has failed so (the database restarting) no query runs again.
    socket: ({ host, port }: { host: string[]; port: number[] }) => {
      const socket = net.connect({ host: host[0], port: port[0] });
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      return socket;
    },
  } as postgres.Options<Record<string, never>>);
  return { sql, resumeReads: () => sockets.forEach((socket) => socket.resume()) };
}
