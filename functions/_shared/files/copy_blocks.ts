// Reads a COPY ... TO STDOUT stream from postgres.js as a web stream of
// 64 KiB blocks, or of batches of whole rows. postgres.js hands over one
// Node.js chunk a row, and turning each into a web stream chunk costs a
// promise or two a row; here rows arrive through synchronous 'data' events and
// only full blocks (or batches) enter the web stream.
import type { Readable } from "node:stream";
import { blockGatherer, defaultBlockSize } from "./coalesce_chunks.ts";

/** Takes a COPY's chunks one by one and emits what it gathers of them. */
interface Gatherer {
  add(chunk: Uint8Array): void;
  /** Emits what is left; the gatherer is done after this. */
  flush(): void;
}

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
  return copyGathered(copy, (emit) => blockGatherer(emit, blockSize), onCancel);
}

/**
 * The rows of `copy` (one chunk a row, as postgres.js pushes each CopyData
 * message) in batches of about `batchBytes`, each row its own bytes: for
 * writers that need the row boundaries. Pauses and cancels as {@link copyBlocks}.
 */
export function copyRowBatches(
  copy: Readable,
  batchBytes: number = defaultBlockSize,
  onCancel: () => unknown = () => copy.destroy(),
): ReadableStream<Uint8Array[]> {
  return copyGathered(copy, (emit) => rowGatherer(emit, batchBytes), onCancel);
}

/** Gathers rows by reference (no copy) into batches of at least `batchBytes`. */
function rowGatherer(
  emit: (rows: Uint8Array[]) => void,
  batchBytes: number,
): Gatherer {
  let rows: Uint8Array[] = [];
  let bytes = 0;
  return {
    add(row) {
      rows.push(row);
      bytes += row.length;
      if (bytes >= batchBytes) {
        emit(rows);
        rows = [];
        bytes = 0;
      }
    },
    flush() {
      if (rows.length) emit(rows);
    },
  };
}

/** `copy`'s chunks through the gatherer `gather` makes, as a web stream of what it emits. */
function copyGathered<T>(
  copy: Readable,
  gather: (emit: (gathered: T) => void) => Gatherer,
  onCancel: () => unknown,
): ReadableStream<T> {
  let settled = false;
  return new ReadableStream<T>({
    start(controller) {
      const gatherer = gather((gathered) => {
        controller.enqueue(gathered);
        if (controller.desiredSize! <= 0) copy.pause();
      });
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
