// Writes an export's staged rows slice by slice into numbered parts, each a
// complete file: its header (CSV, Markdown, HTML), its framing (a JSON array,
// an HTML document), its own gzip member or XLSX workbook. A slice ends with a
// small JSON state that the next slice, on any instance, starts from; the
// bytes depend only on the rows and on where the slices end, so a slice
// written again writes the same bytes.
//
// A part ends before the row that would take its file past the part limit,
// its ending counted. Compressed sizes are known only once deflated: the
// writer compares a bound (deflate_window.ts) and deflates what is pending
// only when the bound no longer fits, to learn the exact size.
import type { IHasher } from "hash-wasm";
import { type BlockGatherer, blockGatherer, defaultBlockSize } from "./coalesce_chunks.ts";
import { unescapeRow } from "./copy_text.ts";
import { type DeflateState, DeflateWindows } from "./deflate_window.ts";
import type { ExportFormat } from "./export_file.ts";
import { blockFormats, chunkedFormats, type FramedFormat, framingFor } from "./text_framing.ts";
import type { RowBatch } from "./xlsx_writer.ts";
import type { XlsxPartState } from "./xlsx_slices.ts";

/**
 * A format {@link createSliceWriter} writes: CSV, the formats written from
 * COPY text chunks (txt only when its source writes them), and XLSX. Which
 * exports are written in slices is the claim's `sliceable`, from SQL.
 */
export type SliceFormat = "csv" | FramedFormat | "xlsx";

/** The formats whose rows come from COPY, framed by {@link TextSlices}. */
const textFormats = new Set<ExportFormat>(["csv", ...chunkedFormats, ...blockFormats]);

/** What a slice writes, and where the slice before it stopped. */
export interface SliceSpec {
  format: SliceFormat;
  compression: "none" | "gzip";
  /** The source's name: the HTML document's title, the XLSX sheet's name. */
  title: string;
  /** No part's file is larger; null: no limit. */
  partLimitBytes: number | null;
  /**
   * The output of exports.header_statement, written at the start of every
   * part: a CSV header line, or the COPY text row of a Markdown or HTML
   * table's header. Null when the format has none.
   */
  header: Uint8Array | null;
  /** The checkpoint's part: the part the slice's first row goes to. */
  firstPart: number;
  /** The checkpoint's writer_state; null at the export's start. */
  state: WriterState | null;
  /** The position of the slice's first row. */
  firstPosition: number;
  /** XLSX: data rows a sheet holds before the next sheet starts; Excel's limit unless given. */
  sheetRows?: number;
}

/** A finished part, as exports.record_slice records it. */
export interface PartRecord {
  part: number;
  size: number;
  first_position: number;
  last_position: number;
  row_count: number;
  /** Hex. */
  sha256: string;
}

/** What the writer asks of the upload, in order. */
export type PartEvent =
  /** Append `bytes` to part `part`'s file. */
  | { kind: "bytes"; part: number; bytes: Uint8Array }
  /** Part `part.part` is complete. */
  | { kind: "part-end"; part: PartRecord };

/** The part a slice leaves open, as the next slice resumes it. */
export interface OpenPartState {
  /** Bytes of the part's file so far. */
  size: number;
  rows: number;
  /** hash-wasm's saved SHA-256 state of the bytes so far, base64. */
  sha256: string;
  /** gzip: the member's deflate stream. */
  deflate: DeflateState | null;
  /** XLSX: the workbook's entries and sheet. */
  xlsx: XlsxPartState | null;
}

/** The checkpoint's writer_state: JSON, small. */
export interface WriterState {
  /** The part the next row goes to. */
  part: number;
  /** The position of the first row of `part`. */
  partFirstPosition: number;
  /** The position of the next row. */
  nextPosition: number;
  /** The part being written, when a slice ended inside one. */
  open: OpenPartState | null;
}

/** What a slice ends with. */
export interface SliceEnd {
  /** The last events (the bytes still buffered, the parts ending). */
  events: PartEvent[];
  /** The checkpoint's new writer_state. */
  state: WriterState;
}

/** A slice being written. */
export interface SliceWriter {
  /**
   * Writes rows: for the COPY formats, each row the bytes of one CopyData
   * message (copy_out.ts's copyOutRows); for XLSX, a batch of a raw cursor
   * as textRows gives it. Returns the events these rows caused, in order.
   */
  write(rows: readonly Uint8Array[] | RowBatch): PartEvent[];
  /**
   * Ends the slice; `last`: the export's last slice, which ends its part
   * (and writes the first, empty part of an export with no rows).
   */
  end(last: boolean): SliceEnd;
}

/**
 * A row that, alone in a part with the part's header and ending, is larger
 * than the part limit: the export cannot be split to fit.
 */
export class RowLargerThanPart extends Error {
  constructor(readonly position: number, readonly limit: number) {
    super(`row ${position} alone makes a file larger than the part limit of ${limit} bytes`);
    this.name = "RowLargerThanPart";
  }
}

/** zlib's default level, as CompressionStream("gzip") uses. */
const gzipLevel = 6;
const gzipHeader = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff);
const gzipTrailerBytes = 8;

/**
 * Starts the slice `spec` describes. The SHA-256 (WebAssembly) and the XLSX
 * writer load with the first slice that needs them, not with every worker.
 */
export async function createSliceWriter(spec: SliceSpec): Promise<SliceWriter> {
  const { createSHA256 } = await import("hash-wasm");
  const output = new PartOutput(spec, await createSHA256());
  if (spec.format === "xlsx") {
    const { XlsxParts } = await import("./xlsx_slices.ts");
    return new XlsxParts(spec, output);
  }
  if (!textFormats.has(spec.format)) throw new Error(`${spec.format} is not written in slices`);
  return new TextSlices(spec, output);
}

/**
 * The bytes of the part being written: counted, hashed and handed out as
 * events in blocks, plus what a part's container (plain, or a gzip member)
 * needs. Shared by the text and XLSX writers.
 */
export class PartOutput {
  events: PartEvent[] = [];
  part: number;
  partFirstPosition: number;
  nextPosition: number;
  /** Whether a part is open: its start written, its end not. */
  open = false;
  size = 0;
  rows = 0;
  /** Set on a gzip part: its member's deflate stream. */
  deflate: DeflateWindows | null = null;
  #gatherer: BlockGatherer;

  constructor(readonly spec: SliceSpec, readonly hasher: IHasher) {
    const state = spec.state;
    this.part = state?.part ?? spec.firstPart;
    this.nextPosition = state?.nextPosition ?? spec.firstPosition;
    this.partFirstPosition = state?.partFirstPosition ?? this.nextPosition;
    if (state && state.nextPosition !== spec.firstPosition) {
      throw new Error(
        `the slice starts at row ${spec.firstPosition}, its state at row ${state.nextPosition}`,
      );
    }
    this.#gatherer = this.#newGatherer();
    if (state?.open) {
      this.open = true;
      this.size = state.open.size;
      this.rows = state.open.rows;
      hasher.load(base64Decode(state.open.sha256));
      if (state.open.deflate) this.deflate = this.#deflateWindows(state.open.deflate);
    }
  }

  /** Appends the file's own bytes (a gzip member's compressed ones). */
  write(bytes: Uint8Array): void {
    this.size += bytes.length;
    this.#gatherer.add(bytes);
  }

  /** Appends content: deflated into the gzip member when there is one. */
  content(bytes: Uint8Array): void {
    if (this.deflate) this.deflate.write(bytes);
    else this.write(bytes);
  }

  /**
   * Whether `more` content bytes (the part's ending among them) still fit
   * under the limit, with the gzip member's trailer when there is one.
   * Deflates what is pending when only its bound is too large.
   */
  fits(more: number): boolean {
    const limit = this.spec.partLimitBytes;
    if (limit === null) return true;
    if (!this.deflate) return this.size + more <= limit;
    const bound = () => gzipHeader.length + this.deflate!.bound(more) + gzipTrailerBytes;
    if (bound() <= limit) return true;
    if (this.deflate.pending === 0) return false;
    this.deflate.flush();
    return bound() <= limit;
  }

  /** Opens the next part: its container's start; the caller writes its header. */
  openPart(): void {
    this.hasher.init();
    this.open = true;
    this.size = 0;
    this.rows = 0;
    this.partFirstPosition = this.nextPosition;
    if (this.spec.compression === "gzip") {
      this.write(gzipHeader);
      this.deflate = this.#deflateWindows(null);
    }
  }

  /** Ends the open part after the caller wrote its ending; the next part is next. */
  closePart(): void {
    if (this.deflate) {
      this.deflate.finish();
      const trailer = new Uint8Array(gzipTrailerBytes);
      const view = new DataView(trailer.buffer);
      view.setUint32(0, this.deflate.state.crc, true);
      view.setUint32(4, this.deflate.state.size % 2 ** 32, true);
      this.write(trailer);
      this.deflate = null;
    }
    this.#flushBlocks();
    this.events.push({
      kind: "part-end",
      part: {
        part: this.part,
        size: this.size,
        first_position: this.partFirstPosition,
        last_position: this.nextPosition - 1,
        row_count: this.rows,
        sha256: this.hasher.digest("hex"),
      },
    });
    this.open = false;
    this.part++;
    this.partFirstPosition = this.nextPosition;
  }

  /** Counts a row written. */
  counted(): void {
    this.rows++;
    this.nextPosition++;
  }

  /** The events so far, handed over. */
  take(): PartEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  /** Ends the slice: writes out what is buffered and returns the state to resume from. */
  pause(xlsx: XlsxPartState | null = null): SliceEnd {
    let open: OpenPartState | null = null;
    if (this.open) {
      this.deflate?.flush();
      this.#flushBlocks();
      open = {
        size: this.size,
        rows: this.rows,
        sha256: base64Encode(this.hasher.save()),
        deflate: this.deflate ? { ...this.deflate.state } : null,
        xlsx,
      };
    }
    return {
      events: this.take(),
      state: {
        part: this.part,
        partFirstPosition: this.partFirstPosition,
        nextPosition: this.nextPosition,
        open,
      },
    };
  }

  /** Throws when the open part cannot take a row even alone. */
  tooLarge(): never {
    throw new RowLargerThanPart(this.nextPosition, this.spec.partLimitBytes!);
  }

  #deflateWindows(state: DeflateState | null): DeflateWindows {
    return new DeflateWindows(gzipLevel, (bytes) => this.write(bytes), state);
  }

  #newGatherer(): BlockGatherer {
    return blockGatherer((block) => {
      this.hasher.update(block);
      this.events.push({ kind: "bytes", part: this.part, bytes: block });
    }, defaultBlockSize);
  }

  #flushBlocks(): void {
    this.#gatherer.flush();
    this.#gatherer = this.#newGatherer();
  }
}

const encoder = new TextEncoder();
const newline = 0x0a;

/**
 * CSV (rows as COPY writes them) and the copy_text formats (each row a COPY
 * text chunk, unescaped and framed as text_framing.ts says).
 */
class TextSlices implements SliceWriter {
  #prefix: Uint8Array;
  #separator: Uint8Array;
  #terminator: Uint8Array;
  #suffix: Uint8Array;
  #header: Uint8Array | null;
  #flatten: boolean;
  /** Rows are written as COPY sends them: CSV, and chunks that end with a line break alone. */
  #asSent: boolean;

  constructor(readonly spec: SliceSpec, readonly out: PartOutput) {
    if (spec.format === "csv") {
      this.#prefix =
        this.#separator =
        this.#terminator =
        this.#suffix =
          new Uint8Array();
      this.#header = spec.header;
      this.#flatten = false;
      this.#asSent = true;
    } else {
      const framing = framingFor(spec.format as FramedFormat, { title: spec.title });
      this.#prefix = encoder.encode(framing.prefix);
      this.#separator = encoder.encode(framing.separator);
      this.#terminator = encoder.encode(framing.terminator);
      this.#suffix = encoder.encode(framing.suffix);
      this.#flatten = framing.flattenLineBreaks;
      this.#header = spec.header && unescapeRow(spec.header, this.#flatten);
      this.#asSent = this.#separator.length === 0 && this.#terminator.length === 1 &&
        this.#terminator[0] === newline;
    }
  }

  write(rows: readonly Uint8Array[] | RowBatch): PartEvent[] {
    const out = this.out;
    const plainCsv = this.spec.format === "csv" && this.spec.compression === "none";
    const limit = this.spec.partLimitBytes ?? Infinity;
    for (const row of rows as readonly Uint8Array[]) {
      // Most CSV rows go straight into the open part: what #row does for
      // them, without its calls.
      if (plainCsv && out.open && out.size + row.length <= limit) {
        out.write(row);
        out.counted();
      } else if (this.#asSent && (this.spec.format === "csv" || row.indexOf(0x5c) === -1)) {
        this.#row(null, row, null);
      } else {
        this.#row(this.#separator, unescapeRow(row, this.#flatten), this.#terminator);
      }
    }
    return this.out.take();
  }

  end(last: boolean): SliceEnd {
    if (last) {
      if (!this.out.open) this.#openPart();
      this.out.content(this.#suffix);
      this.out.closePart();
    }
    return this.out.pause();
  }

  /** One row: `body` between the separator (not before a part's first chunk) and the terminator. */
  #row(separator: Uint8Array | null, body: Uint8Array, terminator: Uint8Array | null) {
    const out = this.out;
    if (!out.open) this.#openPart();
    const size = body.length + (terminator === null ? 0 : terminator.length) + this.#suffix.length;
    const separatorSize = separator === null ? 0 : separator.length;
    if (!out.fits(this.#firstChunk() ? size : size + separatorSize)) {
      if (out.rows === 0) out.tooLarge();
      out.content(this.#suffix);
      out.closePart();
      this.#openPart();
      if (!out.fits(this.#firstChunk() ? size : size + separatorSize)) out.tooLarge();
    }
    if (separatorSize && !this.#firstChunk()) out.content(separator!);
    out.content(body);
    if (terminator) out.content(terminator);
    out.counted();
  }

  /** Whether the next chunk is the part's first (the header is a chunk). */
  #firstChunk(): boolean {
    return this.out.rows === 0 && this.#header === null;
  }

  #openPart() {
    this.out.openPart();
    if (this.#prefix.length) this.out.content(this.#prefix);
    if (this.#header) {
      this.out.content(this.#header);
      // A CSV header line is COPY's, with its line break; a chunk gets its terminator.
      if (this.spec.format !== "csv") this.out.content(this.#terminator);
    }
  }
}

function base64Encode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function base64Decode(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}
