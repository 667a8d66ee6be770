// Watches an upload's body for a Storage that stops taking it: one that has
// not asked for the next chunk, or has not answered once it has the whole
// file, for too long. Without this a hung Storage holds its export for good,
// since the heartbeat keeps renewing the lease while the upload waits.
import { StorageFailure } from "./worker_failure.ts";

/** An upload body under watch. */
export interface WatchedUpload {
  /** The body to hand to the upload, read chunk by chunk as Storage asks. */
  body: ReadableStream<Uint8Array>;
  /** Rejects with a StorageFailure (status 0) once Storage has kept the upload waiting too long. */
  stalled: Promise<never>;
  /** Ends the watch; call it once the upload is answered. */
  end(): void;
}

/**
 * Watches `body` as Storage reads it: once a chunk has waited `timeoutMs`
 * for Storage to ask for the next one (or, after the last, for its answer),
 * `stalled` rejects and `body` is canceled.
 */
export function watchStorage(body: ReadableStream<Uint8Array>, timeoutMs: number): WatchedUpload {
  const reader = body.getReader();
  // When Storage was last handed a chunk (or the end) without asking for more since.
  let waitingSince: number | null = null;
  const { promise: stalled, reject } = Promise.withResolvers<never>();
  // Only the upload's race observes it; a watch that ends quietly leaves it pending.
  stalled.catch(() => {});
  const watched = new ReadableStream<Uint8Array>({
    async pull(controller) {
      waitingSince = null;
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
      waitingSince = Date.now();
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
  const timer = setInterval(() => {
    if (waitingSince === null || Date.now() - waitingSince < timeoutMs) return;
    clearInterval(timer);
    const failure = new StorageFailure(0, "Storage stopped answering the upload");
    reject(failure);
    reader.cancel(failure).catch(() => {});
  }, Math.max(Math.min(1_000, timeoutMs / 4), 10));
  return { body: watched, stalled, end: () => clearInterval(timer) };
}
