// XLSX in slices: each part a workbook of its own, its sheets deflated in
// sync-flushed windows (deflate_window.ts) so a later slice continues the
// sheet entry from a few numbers. The workbook's list of sheets is known only
// at the part's end, so [Content_Types].xml, the workbook and its
// relationships are written last, before the central directory: a reader
// finds entries through the directory, in any order.
import zlib from "node:zlib";
import { crc32 } from "./crc32.ts";
import { deflateBound, type DeflateState, DeflateWindows } from "./deflate_window.ts";
import type { PartEvent, PartOutput, SliceEnd, SliceSpec, SliceWriter } from "./slice_writer.ts";
import {
  centralHeader,
  dataDescriptor,
  deflateLevel,
  endRecords,
  localHeader,
  u32Max,
  type Written,
} from "./zip_writer.ts";
import {
  columnLetters,
  contentTypes,
  packageRelationships,
  type RowBatch,
  rowXml,
  sheetEnd,
  sheetEntry,
  sheetStart,
  styles,
  typedValue,
  workbook,
  workbookRelationships,
  xmlDeclaration,
} from "./xlsx_writer.ts";

/** Excel's rows a sheet, less its header row. */
export const xlsxSheetRows = 1_048_575;

/** A ZIP entry written, as the state keeps it. */
interface EntryState {
  name: string;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

/** What an open XLSX part carries from one slice to the next. */
export interface XlsxPartState {
  /** The header row's names. */
  columns: string[];
  /** The entries written before the sheet being written. */
  entries: EntryState[];
  /** Bytes of the ZIP so far (the gzip member's content, when compressed). */
  zipSize: number;
  /** The sheet being written. */
  sheet: { number: number; rows: number; offset: number; deflate: DeflateState };
}

const encoder = new TextEncoder();
// Larger than any bound this writer compares, so ZIP64 records appear only
// past 4 GiB, as zip_writer.ts writes them.
const zip64Above = u32Max;
const descriptorBytes = 24;
const endBytes = 22 + 56 + 20;
const centralExtraBytes = 46 + 28;

/** The entries written at a part's start, with their data. */
const startEntries = [
  { name: "_rels/.rels", data: xmlDeclaration + packageRelationships },
  { name: "xl/styles.xml", data: xmlDeclaration + styles },
];

/** The entries written at a part's end, for a workbook of `sheets` sheets. */
function endEntries(title: string, sheets: number) {
  return [
    { name: "[Content_Types].xml", data: xmlDeclaration + contentTypes(sheets) },
    { name: "xl/workbook.xml", data: xmlDeclaration + workbook(title, sheets) },
    { name: "xl/_rels/workbook.xml.rels", data: xmlDeclaration + workbookRelationships(sheets) },
  ].map(({ name, data }) => ({ name, data: encoder.encode(data) }));
}

/** Writes an export's rows as XLSX parts. */
export class XlsxParts implements SliceWriter {
  #columns: string[] = [];
  #letters: string[] = [];
  #types = new Map<string, number>();
  #entries: EntryState[] = [];
  #zipSize = 0;
  #sheet: { number: number; rows: number; offset: number; deflate: DeflateWindows } | null = null;
  #sheetRows: number;
  /** The most bytes the part's ending takes, by the number of sheets. */
  #endingBounds = new Map<number, number>();

  constructor(readonly spec: SliceSpec, readonly out: PartOutput) {
    this.#sheetRows = spec.sheetRows ?? xlsxSheetRows;
    const saved = spec.state?.open?.xlsx as XlsxPartState | null | undefined;
    if (saved) {
      this.#setColumns(saved.columns);
      this.#entries = saved.entries.map((entry) => ({ ...entry }));
      this.#zipSize = saved.zipSize;
      this.#sheet = { ...saved.sheet, deflate: this.#deflate(saved.sheet.deflate) };
    }
  }

  write(rows: readonly Uint8Array[] | RowBatch): PartEvent[] {
    const batch = rows as RowBatch;
    if (batch.columns) {
      this.#types = new Map(batch.columns.map((column) => [column.name, column.type]));
      if (this.#columns.length === 0) this.#setColumns(batch.columns.map((column) => column.name));
    }
    for (const row of batch) {
      if (this.#columns.length === 0) this.#setColumns(Object.keys(row));
      this.#row(row);
    }
    return this.out.take();
  }

  end(last: boolean): SliceEnd {
    if (last) {
      if (!this.out.open) this.#openPart();
      this.#closePart();
    }
    if (!this.out.open) return this.out.pause();
    this.#sheet!.deflate.flush();
    const sheet = this.#sheet!;
    return this.out.pause(
      {
        columns: this.#columns,
        entries: this.#entries,
        zipSize: this.#zipSize,
        sheet: {
          number: sheet.number,
          rows: sheet.rows,
          offset: sheet.offset,
          deflate: { ...sheet.deflate.state },
        },
      } satisfies XlsxPartState,
    );
  }

  #setColumns(columns: string[]) {
    this.#columns = columns;
    this.#letters = columns.map((_, index) => columnLetters(index));
  }

  #row(row: Record<string, unknown>) {
    const out = this.out;
    if (!out.open) this.#openPart();
    const values = this.#columns.map((column) => typedValue(row[column], this.#types.get(column)));
    const newSheet = this.#sheet!.rows === this.#sheetRows;
    let xml = rowXml(newSheet ? 2 : this.#sheet!.rows + 2, values, this.#letters);
    // UTF-8 takes at most three bytes a UTF-16 unit: exact bytes only near the limit.
    if (!this.#fits(xml.length * 3, newSheet) && !this.#fits(utf8Length(xml), newSheet)) {
      if (out.rows === 0) out.tooLarge();
      this.#closePart();
      this.#openPart();
      xml = rowXml(2, values, this.#letters);
      if (!this.#fits(utf8Length(xml), false)) out.tooLarge();
    } else if (newSheet) {
      this.#closeSheet();
      this.#openSheet(this.#sheet!.number + 1);
    }
    this.#sheet!.deflate.writeText(xml);
    this.#sheet!.rows++;
    out.counted();
  }

  /**
   * Whether a row of `rowBytes` fits in the part, in the sheet being written
   * or in a new one, with everything the part's ending still writes. Deflates
   * what is pending when only the bound is too large.
   */
  #fits(rowBytes: number, newSheet: boolean): boolean {
    if (this.spec.partLimitBytes === null) return true;
    const sheets = this.#sheet!.number + (newSheet ? 1 : 0);
    const bound = () => {
      const sheet = this.#sheet!.deflate;
      let more = sheet.bound(newSheet ? sheetEnd.length : rowBytes + sheetEnd.length) -
        sheet.state.compressed + descriptorBytes;
      if (newSheet) {
        const name = sheetEntry(sheets);
        more += 30 + name.length + descriptorBytes +
          deflateBound(
            sheetStart.length + this.#headerXml().length * 3 + rowBytes + sheetEnd.length,
          );
      }
      return more + this.#endingBound(sheets);
    };
    if (this.out.fits(bound())) return true;
    if (this.#sheet!.deflate.pending === 0) return false;
    this.#sheet!.deflate.flush();
    return this.out.fits(bound());
  }

  /** The most bytes the part's end entries and central directory take. */
  #endingBound(sheets: number): number {
    let bound = this.#endingBounds.get(sheets);
    if (bound === undefined) {
      bound = endBytes;
      const names = startEntries.map((entry) => entry.name);
      for (const entry of endEntries(this.spec.title, sheets)) {
        bound += 30 + entry.name.length + deflateBound(entry.data.length) + descriptorBytes;
        names.push(entry.name);
      }
      for (let sheet = 1; sheet <= sheets; sheet++) names.push(sheetEntry(sheet));
      for (const name of names) bound += centralExtraBytes + name.length;
      this.#endingBounds.set(sheets, bound);
    }
    return bound;
  }

  #headerXml(): string {
    return rowXml(1, this.#columns, this.#letters);
  }

  #openPart() {
    this.out.openPart();
    this.#entries = [];
    this.#zipSize = 0;
    for (const entry of startEntries) this.#wholeEntry(entry.name, encoder.encode(entry.data));
    this.#openSheet(1);
  }

  #closePart() {
    this.#closeSheet();
    const sheets = this.#sheet!.number;
    for (const entry of endEntries(this.spec.title, sheets)) {
      this.#wholeEntry(entry.name, entry.data);
    }
    const directoryOffset = this.#zipSize;
    let directorySize = 0;
    for (const entry of this.#entries) {
      const header = centralHeader(this.#written(entry), zip64Above);
      directorySize += header.length;
      this.#zip(header);
    }
    for (
      const record of endRecords(this.#entries.length, directorySize, directoryOffset, zip64Above)
    ) {
      this.#zip(record);
    }
    this.#sheet = null;
    this.out.closePart();
  }

  #openSheet(number: number) {
    const name = sheetEntry(number);
    const offset = this.#zipSize;
    this.#zip(localHeader(encoder.encode(name)));
    this.#sheet = { number, rows: 0, offset, deflate: this.#deflate(null) };
    this.#sheet.deflate.writeText(sheetStart);
    // No columns before an export's first row only when it has none and none were described.
    if (this.#columns.length) this.#sheet.deflate.writeText(this.#headerXml());
  }

  #closeSheet() {
    const sheet = this.#sheet!;
    sheet.deflate.writeText(sheetEnd);
    sheet.deflate.finish();
    const entry: EntryState = {
      name: sheetEntry(sheet.number),
      crc: sheet.deflate.state.crc,
      compressedSize: sheet.deflate.state.compressed,
      size: sheet.deflate.state.size,
      offset: sheet.offset,
    };
    this.#zip(dataDescriptor(this.#written(entry), zip64Above));
    this.#entries.push(entry);
  }

  /** A small entry, deflated at once. */
  #wholeEntry(name: string, data: Uint8Array) {
    const offset = this.#zipSize;
    this.#zip(localHeader(encoder.encode(name)));
    const compressed = zlib.deflateRawSync(data, { level: deflateLevel });
    this.#zip(compressed);
    const entry: EntryState = {
      name,
      crc: crc32(data, 0),
      compressedSize: compressed.length,
      size: data.length,
      offset,
    };
    this.#zip(dataDescriptor(this.#written(entry), zip64Above));
    this.#entries.push(entry);
  }

  #written(entry: EntryState): Written {
    return { ...entry, name: encoder.encode(entry.name) };
  }

  #zip(bytes: Uint8Array) {
    this.#zipSize += bytes.length;
    this.out.content(bytes);
  }

  #deflate(state: DeflateState | null): DeflateWindows {
    return new DeflateWindows(deflateLevel, (bytes) => this.#zip(bytes), state);
  }
}

function utf8Length(text: string): number {
  return encoder.encode(text).length;
}
