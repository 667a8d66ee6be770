// Raw deflate in windows that each end on a byte boundary (a zlib sync flush),
// so that a deflate stream can be continued by another process: it needs only
// the counts and CRC below, never zlib's internal state. Each window is
// deflated on its own (no back-reference reaches into the window before),
// which costs a little ratio and makes the bytes depend only on where the
// windows end: the same input cut at the same places gives the same bytes.
import zlib from "node:zlib";
import { crc32 } from "./crc32.ts";

/** What a deflate stream carries from one slice to the next: JSON, a few numbers. */
export interface DeflateState {
  /** CRC-32 of the uncompressed bytes so far. */
  crc: number;
  /** Uncompressed bytes so far. */
  size: number;
  /** Compressed bytes written so far. */
  compressed: number;
}

const encoder = new TextEncoder();

/** The uncompressed bytes a window gathers before it is deflated. */
export const deflateWindowBytes = 256 * 1024;

/**
 * The most bytes deflating `size` bytes as one sync-flushed window, or as the
 * final one, can take: zlib's own bound (stored blocks, the worst deflate ever
 * does) plus the empty blocks a flush and the end add.
 */
export function deflateBound(size: number): number {
  return size + Math.ceil(size / 4096) + Math.ceil(size / 16384) + 20;
}

/** A deflate stream in sync-flushed windows; `emit` gets the compressed bytes. */
export class DeflateWindows {
  readonly state: DeflateState;
  #pending: Uint8Array;
  #used = 0;

  constructor(
    readonly level: number,
    readonly emit: (bytes: Uint8Array) => void,
    state: DeflateState | null = null,
  ) {
    this.state = state ? { ...state } : { crc: 0, size: 0, compressed: 0 };
    // Room for a window's last row, however long, without growing most of the time.
    this.#pending = new Uint8Array(2 * deflateWindowBytes);
  }

  /** Uncompressed bytes not yet deflated. */
  get pending(): number {
    return this.#used;
  }

  /** Adds `bytes`; deflates the window once it holds {@link deflateWindowBytes}. */
  write(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#pending.set(bytes, this.#used);
    this.#used += bytes.length;
    if (this.#used >= deflateWindowBytes) this.flush();
  }

  /**
   * Adds `text` as UTF-8, encoded straight into the window; deflates the
   * window once it holds {@link deflateWindowBytes}. Returns the bytes added.
   */
  writeText(text: string): number {
    // UTF-8 takes at most three bytes a UTF-16 unit.
    this.#room(text.length * 3);
    const { written } = encoder.encodeInto(text, this.#pending.subarray(this.#used));
    this.#used += written;
    if (this.#used >= deflateWindowBytes) this.flush();
    return written;
  }

  /** Grows the window, for a long row, so that `bytes` more fit. */
  #room(bytes: number): void {
    if (this.#used + bytes <= this.#pending.length) return;
    const grown = new Uint8Array(Math.max(this.#pending.length * 2, this.#used + bytes));
    grown.set(this.#pending.subarray(0, this.#used));
    this.#pending = grown;
  }

  /** Deflates what is pending, ending on a byte boundary; the stream stays open. */
  flush(): void {
    if (this.#used === 0) return;
    this.#deflate(zlib.constants.Z_SYNC_FLUSH);
  }

  /** Deflates what is pending as the stream's final block. */
  finish(): void {
    this.#deflate(zlib.constants.Z_FINISH);
  }

  /** The most compressed bytes the stream can hold once `more` bytes are added and it finishes. */
  bound(more: number): number {
    return this.state.compressed + deflateBound(this.#used + more);
  }

  #deflate(flush: number): void {
    const window = this.#pending.subarray(0, this.#used);
    this.state.crc = crc32(window, this.state.crc);
    this.state.size += window.length;
    const compressed = zlib.deflateRawSync(window, { level: this.level, finishFlush: flush });
    this.state.compressed += compressed.length;
    this.#used = 0;
    // A window grown for one long row: back to the default.
    if (this.#pending.length > 2 * deflateWindowBytes) {
      this.#pending = new Uint8Array(2 * deflateWindowBytes);
    }
    this.emit(compressed);
  }
}
