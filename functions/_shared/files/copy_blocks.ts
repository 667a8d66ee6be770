// Reads a COPY ... TO STDOUT stream from postgres.js as a web stream of
// 64 KiB blocks. postgres.js hands over one Node.js chunk a row, and turning
// each into a web stream chunk costs a promise or two a row; here rows arrive
// through synchronous 'data' events and only full blocks enter the web stream.
import type { Readable } from "node:stream";
import { blockGatherer, defaultBlockSize } from "./coalesce_chunks.ts";

/**
 * Blocks a COPY stream may read ahead of its consumer before the socket is
 * paused. One keeps the socket busy while the upload takes the block before;
 * more only hold memory, and keep it from the garbage collector longer.
 */
const blocksAhead = 1;

/**
 * The bytes of `copy` in blocks of `blockSize`. When the consumer falls
 * behind, `copy` is paused, and with it the socket (postgres.js pauses the
 * socket once a COPY stream's own buffer is full), so memory stays bounded.
 * Canceling the web stream calls `onCancel`, or destroys `copy` when there is
 * none; blocks that arrive after that are dropped.
 */
export function copyBlocks(
  copy: Readable,
  blockSize: number = defaultBlockSize,
  onCancel: () => unknown = () => copy.destroy(),
): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const gatherer = blockGatherer((block) => {
        controller.enqueue(block);
        if (controller.desiredSize! <= 0) copy.pause();
      }, blockSize);
      copy.on("data", (chunk: Uint8Array) => {
        if (!settled) gatherer.add(chunk);
      });
      copy.once("end", () => {
        if (settled) return;
        settled = true;
        gatherer.flush();
        controller.close();
      });
      copy.once("error", (error) => {
        if (settled) return;
        settled = true;
        controller.error(error);
      });
    },
    pull() {
      copy.resume();
    },
    cancel() {
      settled = true;
      onCancel();
    },
  }, { highWaterMark: blocksAhead });
}
