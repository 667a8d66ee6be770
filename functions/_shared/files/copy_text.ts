// Turns the output of `COPY (one text column) TO STDOUT` into a file: undoes
// COPY's backslash escapes and frames the rows (the chunks the SQL made) per
// format, working on bytes. Every escape and every row end is ASCII, so no
// byte of a multi-byte UTF-8 character is ever mistaken for one, and the runs
// of bytes between them are copied as they are: a chunk with no backslash
// passes through without being decoded to text and encoded again.
import type { Framing } from "./text_framing.ts";

const backslash = 0x5c;
const newline = 0x0a;
const carriageReturn = 0x0d;
const space = 0x20;

/** What each byte after a backslash stands for; COPY TO emits no other escape. */
export const copyEscapes = new Map<number, number>([
  [backslash, backslash],
  [0x6e, /* n */ newline],
  [0x72, /* r */ carriageReturn],
  [0x74, /* t */ 0x09],
  [0x62, /* b */ 0x08],
  [0x66, /* f */ 0x0c],
  [0x76, /* v */ 0x0b],
]);
const nullMarker = 0x4e; /* N, as in \N */

/**
 * One COPY text row (the bytes of one CopyData message, its newline last) as
 * the chunk it escapes, a line break in it written as a space when
 * `flattenLineBreaks`. A row without a backslash is returned uncopied.
 */
export function unescapeRow(row: Uint8Array, flattenLineBreaks: boolean): Uint8Array {
  const end = row.length - 1;
  if (end < 0 || row[end] !== newline) throw new Error("a COPY row does not end with a newline");
  let at = row.indexOf(backslash);
  if (at === -1 || at >= end) return row.subarray(0, end);
  const out = new Output(end);
  out.write(row.subarray(0, at));
  while (at < end) {
    const escaped = copyEscapes.get(row[at + 1]);
    if (escaped === undefined) throw unexpectedEscape(row[at + 1]);
    const lineBreak = escaped === newline || escaped === carriageReturn;
    out.writeByte(lineBreak && flattenLineBreaks ? space : escaped);
    const next = row.indexOf(backslash, at + 2);
    const stop = next === -1 || next > end ? end : next;
    out.write(row.subarray(at + 2, stop));
    at = stop;
  }
  return out.bytes();
}

function unexpectedEscape(byte: number): Error {
  return new Error(
    byte === nullMarker
      ? "a copy_text statement returned a null chunk"
      : `unexpected COPY text escape \\${String.fromCharCode(byte)}`,
  );
}

/** A stream from COPY text bytes to the file's bytes, and the count of rows it has seen. */
export interface CopyTextFile {
  stream: TransformStream<Uint8Array, Uint8Array>;
  rows(): number;
}

/** Frames the rows of a one-column COPY text stream with `framing`. */
export function copyTextFile(framing: Framing): CopyTextFile {
  const encoder = new TextEncoder();
  const prefix = encoder.encode(framing.prefix);
  const separator = encoder.encode(framing.separator);
  const terminator = encoder.encode(framing.terminator);
  const suffix = encoder.encode(framing.suffix);
  // COPY ends every row with a newline: when the format does too and puts
  // nothing between rows, a chunk without escapes is already the file.
  const newlineRows = separator.length === 0 && terminator.length === 1 &&
    terminator[0] === newline;

  let rows = 0;
  let atRowStart = true;
  let escapePending = false;

  function transform(chunk: Uint8Array, controller: TransformStreamDefaultController<Uint8Array>) {
    if (newlineRows && !escapePending && chunk.indexOf(backslash) === -1) {
      if (chunk.length === 0) return;
      rows += countNewlines(chunk);
      atRowStart = chunk[chunk.length - 1] === newline;
      controller.enqueue(chunk);
      return;
    }
    // Unescaping only shrinks; a row adds at most a separator and a terminator.
    const rowsHere = countNewlines(chunk) + 1;
    const out = new Output(chunk.length + rowsHere * (separator.length + terminator.length));
    const next = new SpecialBytes(chunk);
    let at = 0;
    if (escapePending) {
      escapePending = false;
      at = unescape(chunk, 0, out);
    }
    while (at < chunk.length) {
      const end = next.from(at);
      if (end > at) {
        if (atRowStart) startRow(out);
        out.write(chunk.subarray(at, end));
      }
      if (end === chunk.length) break;
      if (chunk[end] === newline) {
        if (atRowStart) startRow(out);
        out.write(terminator);
        rows++;
        atRowStart = true;
        at = end + 1;
      } else if (end + 1 === chunk.length) {
        escapePending = true;
        at = chunk.length;
      } else {
        at = unescape(chunk, end + 1, out);
      }
    }
    if (out.length) controller.enqueue(out.bytes());
  }

  /** Writes the byte escaped at `chunk[at]` (the backslash came before); returns the next index. */
  function unescape(chunk: Uint8Array, at: number, out: Output): number {
    const escaped = copyEscapes.get(chunk[at]);
    if (escaped === undefined) throw unexpectedEscape(chunk[at]);
    if (atRowStart) startRow(out);
    const lineBreak = escaped === newline || escaped === carriageReturn;
    out.writeByte(lineBreak && framing.flattenLineBreaks ? space : escaped);
    return at + 1;
  }

  /** Opens a row: the separator, unless it is the first. */
  function startRow(out: Output) {
    if (rows > 0) out.write(separator);
    atRowStart = false;
  }

  const stream = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      if (prefix.length) controller.enqueue(prefix);
    },
    transform,
    flush(controller) {
      if (escapePending || !atRowStart) {
        throw new Error("COPY output ended in the middle of a row");
      }
      if (suffix.length) controller.enqueue(suffix);
    },
  });
  return { stream, rows: () => rows };
}

/** Finds backslashes and newlines with the native indexOf, each searched for once per hit. */
class SpecialBytes {
  #backslash = -1;
  #newline = -1;

  constructor(readonly chunk: Uint8Array) {}

  /** The index of the next backslash or newline at or after `at`, or the chunk's length. */
  from(at: number): number {
    if (this.#backslash < at) this.#backslash = this.#find(backslash, at);
    if (this.#newline < at) this.#newline = this.#find(newline, at);
    return Math.min(this.#backslash, this.#newline);
  }

  #find(byte: number, at: number): number {
    const found = this.chunk.indexOf(byte, at);
    return found === -1 ? this.chunk.length : found;
  }
}

function countNewlines(chunk: Uint8Array): number {
  let count = 0;
  for (let at = chunk.indexOf(newline); at !== -1; at = chunk.indexOf(newline, at + 1)) count++;
  return count;
}

/** A byte buffer sized for the worst case of one chunk. */
class Output {
  #buffer: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.#buffer = new Uint8Array(capacity);
  }

  write(bytes: Uint8Array) {
    this.#buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  writeByte(byte: number) {
    this.#buffer[this.length++] = byte;
  }

  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.length);
  }
}
