// Uploads one part's file to Storage with its resumable protocol (TUS), a
// slice at a time: a slice appends what it wrote and pauses, and the next
// slice, on any instance, continues the same upload from the state its
// checkpoint kept. tus-js-client speaks the protocol; this module feeds it
// bytes as the writer produces them.
import type {
  DetailedError as TusDetailedError,
  HttpRequest,
  HttpResponse,
  HttpStack,
  Upload as TusUpload,
  UploadOptions,
} from "tus-js-client";
// tus-js-client's platform-neutral core, given here what a platform entry
// gives it (an HTTP stack, a file reader; no URL storage): its Node entry also
// loads a file-based URL storage whose packages install process signal
// handlers (signal-exit) and patch node:fs (graceful-fs) at import, for
// nothing the worker uses, at several times the start-up cost.
import uploadModule from "tus-js-client/lib.es5/upload.js";
import errorModule from "tus-js-client/lib.es5/error.js";
import { type IncomingMessage, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { Buffer } from "node:buffer";
import { joinBytes } from "../files/join_bytes.ts";
import { StorageFailure } from "./worker_failure.ts";

/** Where a part goes, and as whom. */
export interface UploadTarget {
  /** Storage's base URL: `<SUPABASE_URL>/storage/v1`. */
  storageUrl: string;
  /** The key the upload is made with (the service role's for the worker). */
  key: string;
  bucket: string;
  /** The object's name in the bucket. */
  path: string;
  contentType: string;
  /** Seconds a cache may keep the object, as storage-js sends it; default "3600". */
  cacheControl?: string;
}

/** An unfinished upload, as a checkpoint keeps it (JSON). */
export interface UploadState {
  /** The upload's URL on the endpoint the worker calls. */
  url: string;
  /** How many bytes of the file the slices have written so far. */
  offset: number;
}

/** How an upload behaves; the defaults are Storage's. */
export interface PartUploadOptions {
  /** Bytes a PATCH carries (the last before a pause or the end carries less); default 6 MiB. */
  chunkBytes?: number;
  /**
   * How long one request may go unanswered before the upload fails as
   * Storage being unavailable (a StorageFailure with status 0); default 60 s.
   */
  stallTimeoutMs?: number;
  /** Waits before each retry of a request that failed without an answer or with a 5xx, 409 or 423. */
  retryDelaysMs?: number[];
}

/** An upload in progress, for one slice. */
export interface PartUpload {
  /** How many bytes of the file have been written so far, this slice's included. */
  readonly offset: number;
  /**
   * Appends `bytes` to the file. They are sent as they are, uncopied (but
   * for small writes, which are gathered): the caller must not change them
   * afterwards. Resolves once Storage is at most two chunks behind. Bytes
   * Storage already holds (an earlier slice's interrupted PATCH kept them)
   * are not sent again.
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Sends what is buffered (a short PATCH) and returns the state for the checkpoint. */
  pause(): Promise<UploadState>;
  /** Sends the rest and declares the file's length: the object exists once this resolves. */
  finish(): Promise<void>;
  /** Stops and deletes the unfinished upload. */
  abort(): Promise<void>;
}

const Upload = (uploadModule as { default: typeof TusUpload }).default;
const DetailedError = (errorModule as { default: typeof TusDetailedError }).default;
/** The options the core expects, which a platform entry would merge in. */
const coreOptions = (Upload as unknown as { defaultOptions: UploadOptions }).defaultOptions;

/** Storage's chunk size for resumable uploads. */
export const defaultChunkBytes = 6 * 1024 * 1024;
const defaultStallTimeoutMs = 60_000;
const defaultRetryDelaysMs = [0, 1_000, 3_000];

/** Whether `error` says the upload is gone from Storage (deleted, or expired). */
export function uploadIsGone(error: unknown): boolean {
  return error instanceof StorageFailure && (error.status === 404 || error.status === 410);
}

/**
 * Opens the upload of `target`: a new one (`state` null), or the one `state`
 * names, from its offset. Resolves once Storage has answered (the upload is
 * created, or its offset known); a state whose upload Storage already holds
 * whole is a finished upload, which `finish` accepts at that length.
 */
export async function openPartUpload(
  target: UploadTarget,
  state: UploadState | null,
  options: PartUploadOptions = {},
): Promise<PartUpload> {
  const chunkBytes = options.chunkBytes ?? defaultChunkBytes;
  const endpoint = endpointOf(target);
  const source = new ChunkSource(state?.offset ?? 0);
  const events = new UploadEvents();
  const name = `${target.bucket}/${target.path}`;
  // tus-js-client hands its input to the fileReader below, which is the source itself.
  const upload = new Upload(source as unknown as Blob, {
    ...requestOptions(target, options),
    endpoint: state ? null : endpoint,
    uploadUrl: state?.url ?? null,
    uploadLengthDeferred: true,
    chunkSize: chunkBytes,
    metadata: {
      bucketName: target.bucket,
      objectName: target.path,
      contentType: target.contentType,
      cacheControl: target.cacheControl ?? "3600",
    },
    fileReader: { openFile: () => Promise.resolve(source) },
    // The checkpoint keeps the state; nothing is stored on the instance.
    fingerprint: () => Promise.resolve(""),
    storeFingerprintForResuming: false,
    onChunkComplete: (_size, accepted) => events.accepted(accepted),
    onSuccess: ({ lastResponse }) => {
      // A resumed upload that Storage already holds whole succeeds at once.
      const length = Number(lastResponse.getHeader("Upload-Length"));
      events.succeeded(Number.isInteger(length) ? length : source.end);
    },
    onError: (error) => events.failed(storageFailure(error, name)),
  });
  source.onSlice = (start) => {
    if (start < source.start) {
      const failure = new StorageFailure(
        409,
        `Storage holds ${start} bytes of the upload of ${name}, fewer than the ${source.start} its checkpoint says were sent`,
      );
      events.failed(failure);
      upload.abort(false);
      return failure;
    }
    events.accepted(start);
    return null;
  };
  events.onChange = () => source.skipBefore(Math.max(events.acceptedBytes, events.length ?? 0));
  upload.start();
  await events.until(() => events.acceptedBytes >= 0 || events.length !== null);
  const url = () => upload.url ?? state?.url ?? "";
  let closed: string | null = null;
  const closedError = (verb: string) =>
    new Error(`cannot ${verb} the upload of ${name}: it is ${closed}`);
  const open = (verb: string) => {
    if (closed) throw closedError(verb);
  };
  return {
    get offset() {
      return source.end;
    },
    write(bytes) {
      // Called for every block the writer makes: no promise of its own unless it must wait.
      if (closed) return Promise.reject(closedError("write to"));
      source.append(bytes);
      return events.until(() =>
        source.end - events.acceptedBytes < 2 * chunkBytes || events.length !== null
      );
    },
    async pause() {
      open("pause");
      closed = "paused";
      if (events.length !== null && events.length < source.end) {
        throw finishedAt(events.length, source.end, name);
      }
      source.flush();
      await events.until(() => events.acceptedBytes >= source.end);
      await upload.abort(false);
      return { url: url(), offset: source.end };
    },
    async finish() {
      open("finish");
      closed = "finished";
      if (events.length === null) {
        if (events.acceptedBytes > source.end) {
          await upload.abort(false);
          throw new StorageFailure(
            409,
            `Storage holds ${events.acceptedBytes} bytes of the upload of ${name}, more than the ${source.end} written`,
          );
        }
        source.finish();
        await events.until(() => events.length !== null);
      }
      if (events.length !== source.end) throw finishedAt(events.length!, source.end, name);
    },
    async abort() {
      closed = "aborted";
      events.failed(new Error(`the upload of ${name} was aborted`));
      await upload.abort(false);
      if (upload.url) await deleteUpload(target, { url: upload.url, offset: source.end }, options);
    },
  };
}

/** What became of an upload `deleteUpload` was asked to delete. */
export type DeletedUpload = "deleted" | "gone" | "finished";

/**
 * Deletes the unfinished upload `state` names, for the cleanup of an export
 * that will not go on: "deleted", or "gone" when Storage no longer has it
 * (deleted before, or expired). A finished upload is an object, which TUS
 * may not delete ("finished"): the cleanup removes it with the export's
 * files.
 */
export async function deleteUpload(
  target: UploadTarget,
  state: UploadState,
  options: PartUploadOptions = {},
): Promise<DeletedUpload> {
  try {
    await Upload.terminate(state.url, requestOptions(target, options));
    return "deleted";
  } catch (error) {
    const failure = storageFailure(error, `${target.bucket}/${target.path}`);
    if (uploadIsGone(failure)) return "gone";
    const answer = error instanceof DetailedError ? error.originalResponse?.getBody() ?? "" : "";
    if (failure.status === 400 && /already completed/i.test(answer)) return "finished";
    throw failure;
  }
}

/** The options every request of an upload of `target` shares. */
function requestOptions(target: UploadTarget, options: PartUploadOptions): UploadOptions {
  return {
    ...coreOptions,
    httpStack: new NodeStack(
      endpointOf(target),
      `${target.bucket}/${target.path}`,
      options.stallTimeoutMs ?? defaultStallTimeoutMs,
    ),
    // Every request, not only the creation: Storage checks the right to
    // write the object on each, and a part may replace an earlier one.
    headers: { authorization: `Bearer ${target.key}`, apikey: target.key, "x-upsert": "true" },
    retryDelays: options.retryDelaysMs ?? defaultRetryDelaysMs,
    // A stall is not retried: the slice fails and is run again from its
    // checkpoint, as an export whose Storage stalls is.
    onShouldRetry: (error) => {
      if (error.causingError instanceof StorageFailure) return false;
      const status = error.originalResponse?.getStatus() ?? 0;
      return status === 0 || status >= 500 || status === 409 || status === 423;
    },
  };
}

function endpointOf(target: UploadTarget): string {
  return `${target.storageUrl.replace(/\/+$/, "")}/upload/resumable`;
}

function finishedAt(length: number, written: number, name: string): StorageFailure {
  return new StorageFailure(
    409,
    `the upload of ${name} is already complete at ${length} bytes, but ${written} were written`,
  );
}

/**
 * The StorageFailure for what tus-js-client reports. Storage answers TUS
 * refusals with their real status and a plain-text body, but a refusal of
 * its own (a bad key) as JSON with the meant status in `statusCode`.
 */
function storageFailure(error: unknown, name: string): StorageFailure {
  if (error instanceof StorageFailure) return error;
  if (!(error instanceof DetailedError)) {
    return new StorageFailure(0, `the upload of ${name} failed: ${String(error)}`);
  }
  if (error.causingError instanceof StorageFailure) return error.causingError;
  const response = error.originalResponse;
  const method = error.originalRequest?.getMethod() ?? "a request";
  if (!response) {
    const cause = error.causingError?.message ?? error.message;
    return new StorageFailure(
      0,
      `Storage did not answer ${method} of the upload of ${name}: ${cause}`,
    );
  }
  const body = response.getBody() ?? "";
  let status = response.getStatus();
  let said = body.trim();
  try {
    const json = JSON.parse(body);
    const meant = Number(json?.statusCode);
    if (Number.isInteger(meant) && meant > 0) status = meant;
    if (typeof json?.message === "string") said = json.message;
  } catch {
    // A plain-text answer, as TUS sends.
  }
  if (status === 404 || status === 410) {
    return new StorageFailure(
      status,
      `the unfinished upload of ${name} is gone from Storage (deleted, or expired): ${method} answered ${status}`,
    );
  }
  if (status === 413) {
    return new StorageFailure(
      413,
      `the part ${name} is over Storage's file size limit (the bucket's, or the project's): ${said}`,
    );
  }
  return new StorageFailure(
    status,
    `Storage refused ${method} of the upload of ${name}: ${status} ${said}`,
  );
}

/** The upload's progress as tus-js-client reports it, with waits on it. */
class UploadEvents {
  /** Bytes Storage has confirmed; -1 until its first answer. */
  acceptedBytes = -1;
  /** The file's length once the upload is complete. */
  length: number | null = null;
  failure: unknown = null;
  onChange = () => {};
  #waiters = new Set<() => void>();

  accepted(bytes: number) {
    this.acceptedBytes = Math.max(this.acceptedBytes, bytes);
    this.#changed();
  }

  succeeded(length: number) {
    this.length = length;
    this.acceptedBytes = Math.max(this.acceptedBytes, length);
    this.#changed();
  }

  failed(failure: unknown) {
    this.failure ??= failure;
    this.#changed();
  }

  /** Resolves once `condition` holds; rejects once the upload has failed. */
  until(condition: () => boolean): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.failure) reject(this.failure);
        else if (condition()) resolve();
        else return;
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  #changed() {
    this.onChange();
    for (const check of [...this.#waiters]) check();
  }
}

/** A chunk as tus-js-client hands it to the HTTP stack (it reads `size`): views of written bytes. */
class Chunk {
  constructor(readonly pieces: Uint8Array[], readonly size: number) {}
}

/** Bytes of the file from `offset` on: a block of the writer's, or small writes gathered. */
interface Piece {
  offset: number;
  /** The writer's bytes, or a block of gathered writes of which `length` are used. */
  bytes: Uint8Array;
  length: number;
  gathered: boolean;
}

/** Writes smaller than this are gathered into pieces of `gatherBytes`: a request pays per piece. */
const smallWriteBytes = 16 * 1024;
const gatherBytes = 64 * 1024;

/**
 * The file as tus-js-client reads it (its FileSource): the bytes written and
 * not yet confirmed, by their offset in the whole file, kept as the writer
 * handed them (uncopied, but for small writes). A slice asks for a chunk at
 * Storage's offset and waits until the writer has written it, or until a
 * pause or the end sends what there is.
 */
class ChunkSource {
  /** Unknown: the length is declared when the upload finishes. */
  readonly size = 0;
  /** The file's offset after the last byte written. */
  end: number;
  /** Bytes before this offset are never kept: Storage has them. */
  start: number;
  /** Told each offset asked for; an error refuses it. */
  onSlice: (start: number) => Error | null = () => null;
  #pieces: Piece[] = [];
  #spare: Uint8Array[] = [];
  #mode: "write" | "flush" | "end" = "write";
  #asked:
    | { start: number; end: number; resolve: (chunk: { value: Chunk; done: boolean }) => void }
    | null = null;

  constructor(offset: number) {
    this.end = offset;
    this.start = offset;
  }

  append(written: Uint8Array) {
    const skip = Math.max(0, this.start - this.end);
    const bytes = skip ? written.subarray(Math.min(skip, written.length)) : written;
    const offset = this.end + written.length - bytes.length;
    this.end += written.length;
    if (bytes.length === 0) return;
    const last = this.#pieces.at(-1);
    if (bytes.length >= smallWriteBytes) {
      this.#pieces.push({ offset, bytes, length: bytes.length, gathered: false });
    } else if (
      last?.gathered && last.offset + last.length === offset &&
      last.bytes.length - last.length >= bytes.length
    ) {
      last.bytes.set(bytes, last.length);
      last.length += bytes.length;
    } else {
      const block = this.#spare.pop() ?? new Uint8Array(gatherBytes);
      block.set(bytes);
      this.#pieces.push({ offset, bytes: block, length: bytes.length, gathered: true });
    }
    this.#answer();
  }

  /** Lets the chunk asked for go out short, with what there is. */
  flush() {
    this.#mode = "flush";
    this.#answer();
  }

  /** The file is complete: the chunk asked for is the last. */
  finish() {
    this.#mode = "end";
    this.#answer();
  }

  /** Forgets the bytes before `offset`. */
  skipBefore(offset: number) {
    if (offset <= this.start) return;
    this.start = offset;
    while (this.#pieces.length && this.#pieces[0].offset + this.#pieces[0].length <= offset) {
      // Storage has confirmed these bytes, so no request still sends them: a
      // gathering block is used again (fresh memory costs more than a copy).
      const piece = this.#pieces.shift()!;
      if (piece.gathered) this.#spare.push(piece.bytes);
    }
  }

  slice(start: number, end: number): Promise<{ value: Chunk; done: boolean }> {
    // tus-js-client asks at Storage's offset: what comes before it is confirmed.
    const refused = this.onSlice(start);
    if (refused) return Promise.reject(refused);
    this.skipBefore(start);
    return new Promise((resolve) => {
      this.#asked = { start, end, resolve };
      this.#answer();
    });
  }

  close() {}

  #answer() {
    const asked = this.#asked;
    if (!asked) return;
    const have = Math.max(0, this.end - asked.start);
    const wanted = asked.end - asked.start;
    if (have >= wanted) this.#give(asked.start, wanted, false);
    else if (this.#mode === "end") this.#give(asked.start, have, true);
    else if (this.#mode === "flush" && have > 0) this.#give(asked.start, have, false);
  }

  #give(start: number, length: number, done: boolean) {
    const asked = this.#asked!;
    this.#asked = null;
    asked.resolve({ value: new Chunk(this.#views(start, length), length), done });
  }

  /** Views of the bytes [start, start + length). */
  #views(start: number, length: number): Uint8Array[] {
    const views: Uint8Array[] = [];
    const end = start + length;
    for (const piece of this.#pieces) {
      if (piece.offset + piece.length <= start) continue;
      if (piece.offset >= end) break;
      views.push(
        piece.bytes.subarray(
          Math.max(0, start - piece.offset),
          Math.min(piece.length, end - piece.offset),
        ),
      );
    }
    return views;
  }
}

/**
 * tus-js-client's HTTP stack on node:http, which sends a body of known
 * length (so Storage can refuse a chunk over the size limit before reading
 * it) at a fraction of fetch's CPU here. A request whose connection has been
 * idle for `stallTimeoutMs` (Storage neither takes the chunk nor answers)
 * fails as a StorageFailure with status 0.
 *
 * Storage answers a chunk it refuses before reading it (over the size
 * limit) and drops the connection at once; node:http, still sending, may
 * then report only the broken connection. So after a chunk cut short
 * without an answer, the next chunk (tus-js-client's retry) goes through
 * fetch, which reads an answer that comes before the body is taken.
 */
class NodeStack implements HttpStack {
  /** The last chunk was cut short without an answer. */
  cutShort = false;
  /**
   * The length Storage's last HEAD said the upload has. A last chunk cut
   * short leaves its length declared (Storage records it before the body),
   * and a length may be declared only once: the chunk sent again leaves it out.
   */
  declaredLength: number | null = null;

  constructor(
    readonly endpoint: string,
    readonly name: string,
    readonly stallTimeoutMs: number,
  ) {}

  createRequest(method: string, url: string): HttpRequest {
    return new NodeRequest(method, url, this);
  }

  getName(): string {
    return "node:http";
  }

  stalled(method: string): StorageFailure {
    return new StorageFailure(
      0,
      `Storage did not take or answer ${method} of an upload within ${this.stallTimeoutMs} ms`,
    );
  }
}

class NodeRequest implements HttpRequest {
  #headers: Record<string, string> = {};
  #abort = new AbortController();

  constructor(readonly method: string, readonly url: string, readonly stack: NodeStack) {}

  getMethod() {
    return this.method;
  }

  getURL() {
    return this.url;
  }

  setHeader(header: string, value: string) {
    this.#headers[header.toLowerCase()] = value;
  }

  getHeader(header: string) {
    return this.#headers[header.toLowerCase()];
  }

  setProgressHandler() {
    // tus-js-client needs no progress to resume: Storage's offset says it all.
  }

  async send(body: Chunk | null = null): Promise<HttpResponse> {
    const { stack } = this;
    const length = this.#headers["upload-length"];
    if (length !== undefined && stack.declaredLength !== null) {
      if (Number(length) !== stack.declaredLength) {
        throw new StorageFailure(
          409,
          `the upload of ${stack.name} is declared at ${stack.declaredLength} bytes, but ${length} were written`,
        );
      }
      delete this.#headers["upload-length"];
    }
    let answer: HttpResponse;
    if (body && stack.cutShort) {
      stack.cutShort = false;
      answer = await this.#fetch(body);
    } else answer = await this.#send(body);
    if (this.method === "HEAD") {
      const declared = Number.parseInt(answer.getHeader("upload-length") ?? "", 10);
      stack.declaredLength = Number.isInteger(declared) ? declared : null;
    }
    return answer;
  }

  #send(body: Chunk | null): Promise<HttpResponse> {
    const { method, stack } = this;
    return new Promise((resolve, reject) => {
      let answered = false;
      let stalled: StorageFailure | null = null;
      const fail = (error: Error) => {
        if (!answered && !stalled && body) stack.cutShort = true;
        reject(stalled ?? error);
      };
      const headers = body
        ? { ...this.#headers, "content-length": String(body.size) }
        : this.#headers;
      const request = (this.url.startsWith("https:") ? httpsRequest : httpRequest)(
        this.url,
        { method, headers, signal: this.#abort.signal },
        (response) => {
          answered = true;
          const text: Uint8Array[] = [];
          response.on("data", (data: Uint8Array) => text.push(data));
          response.on("end", () => {
            const answer = Buffer.concat(text).toString("utf8");
            resolve(new Answer(response.statusCode ?? 0, nodeHeader(response), answer, stack));
          });
          response.on("error", reject);
          // After the end this changes nothing; before it, the answer was cut short.
          response.on("close", () => reject(new Error(`the answer to ${method} was cut short`)));
        },
      );
      request.on("close", () => {
        if (!answered) fail(new Error(`the connection closed before ${method} was answered`));
      });
      request.setTimeout(stack.stallTimeoutMs, () => {
        stalled = stack.stalled(method);
        request.destroy(stalled);
      });
      request.on("error", fail);
      try {
        for (const piece of body?.pieces ?? []) request.write(piece);
        request.end();
      } catch (error) {
        fail(error as Error);
      }
    });
  }

  async #fetch(body: Chunk): Promise<HttpResponse> {
    const bytes = joinBytes(body.pieces, body.size);
    const timer = setTimeout(
      () => this.#abort.abort(this.stack.stalled(this.method)),
      this.stack.stallTimeoutMs,
    );
    try {
      const response = await fetch(this.url, {
        method: this.method,
        headers: this.#headers,
        body: bytes,
        signal: this.#abort.signal,
      });
      const answer = await response.text();
      const header = (name: string) => response.headers.get(name) ?? undefined;
      return new Answer(response.status, header, answer, this.stack);
    } catch (error) {
      const reason = this.#abort.signal.reason;
      throw reason instanceof StorageFailure ? reason : error;
    } finally {
      clearTimeout(timer);
    }
  }

  abort() {
    this.#abort.abort(new Error("the upload stopped"));
    return Promise.resolve();
  }

  getUnderlyingObject() {
    return this.#abort;
  }
}

function nodeHeader(response: IncomingMessage) {
  return (name: string) => {
    const value = response.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(", ") : value;
  };
}

/**
 * Storage's answer. It writes an upload's Location on the path and scheme it
 * serves itself (`https://<host>/upload/resumable/<id>` behind a proxy that
 * does not say its prefix): the upload's id is followed on the endpoint the
 * client calls.
 */
class Answer implements HttpResponse {
  constructor(
    readonly status: number,
    readonly header: (name: string) => string | undefined,
    readonly body: string,
    readonly stack: NodeStack,
  ) {}

  getStatus() {
    return this.status;
  }

  getHeader(header: string) {
    const value = this.header(header);
    if (value === undefined || header.toLowerCase() !== "location") return value;
    return `${this.stack.endpoint}/${value.split("/").pop()}`;
  }

  getBody() {
    return this.body;
  }

  getUnderlyingObject() {
    return this;
  }
}
