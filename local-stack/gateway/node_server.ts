// Serves a fetch-style handler, `(Request) => Promise<Response>`, through `node:http`, the server
// Supabase's Storage runs on: it keeps a 304's `Content-Length: 0`, and answers a request refused
// before its body was read with the connection kept alive, where `Deno.serve` does neither. Bodies
// stream both ways under backpressure; compression follows `Deno.serve`'s rules (compression.ts),
// so clients see what they saw before.
import { Buffer } from "node:buffer";
import {
  createServer,
  type IncomingMessage,
  METHODS,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { constants, createBrotliCompress, createGzip } from "node:zlib";
import { chooseCoding, markCompressed, varyOnAcceptEncoding } from "./compression.ts";

/** What the server answers requests with. */
export type Handler = (request: Request) => Promise<Response>;

/** Where to listen. */
export interface ListenOptions {
  hostname: string;
  port: number;
  /**
   * How long a client whose body the handler stopped reading half-way may go silent while the
   * rest is drained; default 5 s, Node's keep-alive timeout.
   */
  drainTimeoutMs?: number;
  /** Takes requests to upgrade the connection (WebSocket); none: they are refused. */
  upgrade?: (request: IncomingMessage, socket: Socket, head: Buffer) => void;
}

/** A listening server. */
export interface NodeServer {
  /** Stops accepting connections, closes idle ones and resolves once the open ones are done. */
  close(): Promise<void>;
}

/** Starts serving `handler` on `hostname:port`; resolves once it listens. */
export async function serveWithNode(handler: Handler, options: ListenOptions): Promise<NodeServer> {
  // Requests under way on each connection, so that closing ends every idle connection at once
  // and each busy one as soon as its answer is out, as Deno.serve's shutdown does.
  const busy = new Map<Socket, number>();
  let closing = false;
  const server = createServer((incoming, outgoing) => {
    const socket = incoming.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    outgoing.once("close", () => {
      const left = (busy.get(socket) ?? 1) - 1;
      busy.set(socket, left);
      if (closing && left === 0) socket.destroy();
    });
    void answer(handler, incoming, outgoing, options.drainTimeoutMs ?? 5_000);
  });
  if (options.upgrade) server.on("upgrade", options.upgrade);
  server.on("clientError", (error: Error & { rawPacket?: Buffer }, socket: Socket) => {
    void answerUnknownMethod(handler, error.rawPacket, socket);
  });
  server.on("connection", (socket: Socket) => {
    busy.set(socket, 0);
    socket.once("close", () => busy.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        server.close((error) => error ? reject(error) : resolve());
        for (const [socket, requests] of busy) if (requests === 0) socket.destroy();
      }),
  };
}

/**
 * Node's parser refuses a method it does not know (`FUZZ`), where Deno.serve and the hosted
 * gateway pass any method token on; such a request, when it arrived whole, goes to the handler
 * and its answer closes the connection. Anything else unparsable gets Node's bare 400.
 */
async function answerUnknownMethod(handler: Handler, packet: Buffer | undefined, socket: Socket) {
  const end = packet?.indexOf("\r\n\r\n") ?? -1;
  const head = packet && end >= 0 ? packet.subarray(0, end).toString("latin1").split("\r\n") : [];
  const [, method, target] = head[0]?.match(/^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\/\S*) HTTP\/1\.1$/) ??
    [];
  const headers = new Headers();
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const length = Number(headers.get("content-length") ?? 0);
  const body = packet?.subarray(end + 4);
  if (
    !method || METHODS.includes(method) || headers.has("transfer-encoding") || !body ||
    body.length !== length
  ) {
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    return;
  }
  let response: Response;
  try {
    response = await handler(
      new Request(`http://${headers.get("host") ?? "localhost"}${target}`, {
        method,
        headers,
        body: length > 0 ? new Uint8Array(body) : null,
      }),
    );
  } catch (error) {
    console.error(`${method} ${target}:`, error);
    response = new Response("Internal Server Error", { status: 500 });
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}`];
  for (const [name, value] of response.headers) {
    if (!framingHeaders.has(name) && name !== "connection" && name !== "content-length") {
      lines.push(`${name}: ${value}`);
    }
  }
  lines.push(`content-length: ${bytes.byteLength}`, "connection: close", "", "");
  socket.end(Buffer.concat([Buffer.from(lines.join("\r\n"), "latin1"), bytes]));
}

async function answer(
  handler: Handler,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  drainTimeoutMs: number,
) {
  const request = toRequest(incoming, outgoing, drainTimeoutMs);
  let response: Response;
  try {
    response = await handler(request);
  } catch (error) {
    // What Deno.serve answers when a handler throws.
    console.error(`${request.method} ${incoming.url}:`, error);
    response = new Response("Internal Server Error", { status: 500 });
  }
  try {
    await send(incoming, outgoing, response);
  } catch {
    // The client went away or the body failed mid-way: the connection cannot carry on.
    outgoing.destroy();
  }
}

/**
 * The `Request` for an incoming message: its headers as sent (several `Cookie` headers joined
 * with `; `, as Deno.serve joins them), its body as a stream the socket fills only as fast as the
 * handler reads, and a signal aborted when the client disconnects before the answer is complete.
 */
function toRequest(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  drainTimeoutMs: number,
): Request {
  const headers = new Headers();
  const cookies: string[] = [];
  const raw = incoming.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === "cookie") cookies.push(raw[i + 1]);
    else headers.append(raw[i], raw[i + 1]);
  }
  if (cookies.length > 0) headers.set("cookie", cookies.join("; "));
  const disconnected = new AbortController();
  outgoing.once("close", () => {
    if (!outgoing.writableFinished) disconnected.abort();
  });
  const method = incoming.method ?? "GET";
  const host = incoming.headers.host ??
    `${incoming.socket.localAddress}:${incoming.socket.localPort}`;
  return new Request(`http://${host}${incoming.url}`, {
    method,
    headers,
    body: hasBody(incoming) ? requestBody(incoming, outgoing, drainTimeoutMs) : null,
    signal: disconnected.signal,
  });
}

function hasBody(incoming: IncomingMessage): boolean {
  if (incoming.method === "GET" || incoming.method === "HEAD") return false;
  if (incoming.headers["transfer-encoding"] !== undefined) return true;
  return Number(incoming.headers["content-length"] ?? 0) > 0;
}

function requestBody(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  drainTimeoutMs: number,
) {
  let open = true;
  let reading = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const onData = (chunk: Uint8Array) => {
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    incoming.pause();
  };
  // A body the handler stopped reading half-way goes back to Node to drain, so that the
  // connection carries on; a client that then goes silent mid-body is dropped.
  const abandon = () => {
    open = false;
    incoming.removeListener("data", onData);
    if (!incoming.complete) {
      let silence = setTimeout(() => incoming.socket.destroy(), drainTimeoutMs);
      const onDrainData = () => {
        clearTimeout(silence);
        silence = setTimeout(() => incoming.socket.destroy(), drainTimeoutMs);
      };
      const drained = () => {
        clearTimeout(silence);
        incoming.removeListener("data", onDrainData);
      };
      incoming.on("data", onDrainData);
      incoming.once("end", drained);
      incoming.once("close", drained);
    }
    incoming.resume();
  };
  outgoing.once("finish", () => {
    if (!open || !reading) return;
    controller.error(new Error("the answer went out before the request body was read"));
    abandon();
  });
  // No high-water mark: the socket is read only when the handler reads, one chunk at a time, and
  // a body nobody reads is left to Node, which drains it once the answer is out.
  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    pull() {
      if (!reading) {
        reading = true;
        incoming.on("data", onData);
        incoming.once("end", () => {
          if (open) controller.close();
          open = false;
        });
        incoming.once("close", () => {
          if (open) controller.error(new Error("the client closed the connection mid-body"));
          open = false;
        });
      }
      incoming.resume();
    },
    cancel() {
      if (reading) abandon();
      else open = false;
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: 0 }));
}

/** Framing headers Node writes itself; a `Connection: close` is honoured. */
const framingHeaders = new Set(["keep-alive", "transfer-encoding"]);

async function send(incoming: IncomingMessage, outgoing: ServerResponse, response: Response) {
  const headers = new Headers(response.headers);
  const body = response.body;
  const status = response.status;
  if (
    body === null || incoming.method === "HEAD" || status === 204 || status === 304 ||
    outgoing.destroyed
  ) {
    await body?.cancel().catch(() => {});
    writeHead(outgoing, status, headers);
    outgoing.end();
    return;
  }
  const reader = body.getReader();
  const { chunks, complete, next } = await readReady(reader);
  const length = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  if (complete && length === 0) {
    writeHead(outgoing, status, headers);
    outgoing.end();
    return;
  }
  varyOnAcceptEncoding(headers);
  // The length is known for a body already read whole, or from the handler's Content-Length.
  const declared = headers.get("content-length");
  const known = complete ? length : declared === null ? undefined : Number(declared);
  const coding = chooseCoding(incoming.headers["accept-encoding"] ?? null, headers, known);
  if (coding) markCompressed(headers, coding);
  writeHead(outgoing, status, headers);
  if (complete && !coding) {
    // A body held whole in memory goes out with its length, as Deno.serve sends it.
    outgoing.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length));
    return;
  }
  const source = Readable.from(rest(reader, chunks, next));
  if (coding) {
    // Each chunk is flushed as it comes, so a streamed answer still arrives chunk by chunk.
    const compressor = coding === "gzip"
      ? createGzip({ flush: constants.Z_SYNC_FLUSH })
      : createBrotliCompress({ flush: constants.BROTLI_OPERATION_FLUSH });
    await pipeline(source, compressor, outgoing);
  } else {
    await pipeline(source, outgoing);
  }
}

function writeHead(outgoing: ServerResponse, status: number, headers: Headers) {
  outgoing.statusCode = status;
  const cookies = headers.getSetCookie();
  for (const [name, value] of headers) {
    if (name === "set-cookie" || framingHeaders.has(name)) continue;
    if (name === "connection" && value.toLowerCase() !== "close") continue;
    outgoing.setHeader(name, value);
  }
  if (cookies.length > 0) outgoing.setHeader("set-cookie", cookies);
}

const notReady = Symbol("not ready");

/** How much of a body already at hand is gathered to be sent with its length. */
const readyLimit = 1024 * 1024;

/**
 * The chunks `reader` yields without waiting on I/O, so that a body held in memory (a string,
 * `Response.json`) is sent whole with its length while a streamed one starts flowing at once;
 * `next` is the read under way when gathering stopped.
 */
async function readReady(reader: ReadableStreamDefaultReader<Uint8Array>) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let next = reader.read();
  while (size < readyLimit) {
    const result = await beforeNextTask(next);
    if (result === notReady) return { chunks, complete: false, next };
    if (result.done) return { chunks, complete: true, next };
    chunks.push(result.value);
    size += result.value.byteLength;
    next = reader.read();
  }
  return { chunks, complete: false, next };
}

function beforeNextTask<T>(promise: Promise<T>): Promise<T | typeof notReady> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = new Promise<typeof notReady>((resolve) => {
    timer = setTimeout(() => resolve(notReady), 0);
  });
  return Promise.race([promise, later]).finally(() => clearTimeout(timer));
}

async function* rest(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  chunks: Uint8Array[],
  next: Promise<ReadableStreamReadResult<Uint8Array>>,
) {
  let done = false;
  try {
    yield* chunks;
    while (true) {
      const result = await next;
      if (result.done) break;
      yield result.value;
      next = reader.read();
    }
    done = true;
  } finally {
    // The client left or the pipeline failed: stop the source (a file, a function's answer).
    if (!done) await reader.cancel().catch(() => {});
  }
}
