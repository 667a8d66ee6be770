// Gathers small chunks into blocks before they reach the upload. COPY hands
// over one chunk a row, and an HTTP upload pays per chunk, so a few large
// chunks cost far less than many small ones.

/** The block size {@link coalesceChunks} uses unless told otherwise. */
export const defaultBlockSize = 64 * 1024;

/** Fills blocks from chunks of any size, handing each full block to `emit`. */
export interface BlockGatherer {
  /** Copies `chunk` into blocks; emits every block it fills. */
  add(chunk: Uint8Array): void;
  /** Emits the last, partly filled block, if any; the gatherer is done after this. */
  flush(): void;
}

/**
 * Gathers chunks into blocks of `blockSize` (the last one may be shorter).
 * A chunk at least that large arriving at a block boundary is emitted as it
 * is, uncopied.
 */
export function blockGatherer(
  emit: (block: Uint8Array) => void,
  blockSize: number = defaultBlockSize,
): BlockGatherer {
  let block = new Uint8Array(blockSize);
  let used = 0;
  return {
    add(chunk) {
      if (used === 0 && chunk.length >= blockSize) {
        emit(chunk);
        return;
      }
      for (let offset = 0; offset < chunk.length;) {
        const taken = Math.min(blockSize - used, chunk.length - offset);
        block.set(chunk.subarray(offset, offset + taken), used);
        used += taken;
        offset += taken;
        if (used === blockSize) {
          emit(block);
          block = new Uint8Array(blockSize);
          used = 0;
        }
      }
    },
    flush() {
      if (used > 0) emit(block.subarray(0, used));
    },
  };
}

/** A stream that re-chunks bytes into blocks, as {@link blockGatherer} does. */
export function coalesceChunks(
  blockSize: number = defaultBlockSize,
): TransformStream<Uint8Array, Uint8Array> {
  let gatherer: BlockGatherer;
  return new TransformStream({
    start(controller) {
      gatherer = blockGatherer((block) => controller.enqueue(block), blockSize);
    },
    transform(chunk) {
      gatherer.add(chunk);
    },
    flush() {
      gatherer.flush();
    },
  });
}
