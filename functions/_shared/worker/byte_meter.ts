// Measures a file while it streams past: its size and its SHA-256, without
// keeping any of it (node:crypto hashes incrementally; WebCrypto cannot).
import { createHash } from "node:crypto";

/** The size and checksum of everything that went through a meter. */
export interface Measurement {
  /** Bytes written. */
  size: number;
  /** Lowercase hex SHA-256 of those bytes. */
  sha256: string;
}

/** A pass-through stream and, once it has flushed, what went through it. */
export interface ByteMeter {
  /** Put this in the pipeline; it forwards every chunk untouched. */
  stream: TransformStream<Uint8Array, Uint8Array>;
  /** Resolves when the stream has seen its last chunk. */
  measurement: Promise<Measurement>;
}

/** Creates a meter for one file. */
export function byteMeter(): ByteMeter {
  const hash = createHash("sha256");
  let size = 0;
  let resolve!: (measurement: Measurement) => void;
  const measurement = new Promise<Measurement>((done) => resolve = done);
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hash.update(chunk);
      size += chunk.byteLength;
      controller.enqueue(chunk);
    },
    flush() {
      resolve({ size, sha256: hash.digest("hex") });
    },
  });
  return { stream, measurement };
}
