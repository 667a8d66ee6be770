// Writes rows as an XLSX workbook, streamed: one sheet, a header row, then
// each batch of rows rendered to SpreadsheetML and deflated into the ZIP as
// the upload reads it (zip_writer.ts). Strings are inline (no shared-strings
// table to hold in memory), and a batch is gone once it is written.
//
// Why not exceljs: it builds objects for every row and cell and zips through
// Node streams, which at the sheet's row cap takes several times a hosted
// Edge Function's 2 s of CPU and nearly all of its 256 MB.
import { type CellValue, pgTypes, toCellValue, xlsxMaxCellText } from "./cell_value.ts";
import { zipArchive } from "./zip_writer.ts";

/**
 * A batch of rows as postgres.js returns them: objects keyed by column name.
 * The first batch of a cursor also carries its columns' names and type OIDs;
 * for a source with no rows, a batch of none still carries them (export_file.ts).
 */
export type RowBatch = readonly Record<string, unknown>[] & {
  readonly columns?: readonly { name: string; type: number }[];
};

/** Options for {@link xlsxFile}. */
export interface XlsxOptions {
  /** The worksheet's name (Excel allows 31 characters; longer names are cut). */
  sheetName: string;
}

const encoder = new TextEncoder();
/** Shared with xlsx_report.ts, which writes a report's workbook with the same cells. */
export const xmlDeclaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
export const spreadsheetMl = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
export const relationships = "http://schemas.openxmlformats.org/package/2006/relationships";
export const documentRelationships =
  "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/**
 * Streams the rows of `batches` as an XLSX file. Columns come from the first
 * row's keys, in order; a source with no rows gives a valid, empty sheet.
 * Values given as Postgres text are typed by their column's type: booleans,
 * numbers, and dates a sheet can hold; anything else is its text. Text longer
 * than Excel's cell limit is cut to that limit.
 */
export function xlsxFile(
  batches: AsyncIterable<RowBatch>,
  options: XlsxOptions,
): ReadableStream<Uint8Array> {
  const part = (xml: string) => encoder.encode(xmlDeclaration + xml);
  return zipArchive([
    { name: "[Content_Types].xml", data: part(contentTypes(1)) },
    { name: "_rels/.rels", data: part(packageRelationships) },
    { name: "xl/workbook.xml", data: part(workbook(options.sheetName)) },
    { name: "xl/_rels/workbook.xml.rels", data: part(workbookRelationships(1)) },
    { name: "xl/styles.xml", data: part(styles) },
    // Last, so that however large it grows, every other entry's offset stays small.
    { name: sheetEntry(1), data: ReadableStream.from(sheet(batches)) },
  ]);
}

/** The package's content types, for a workbook of `sheets` sheets. */
export function contentTypes(sheets: number): string {
  let overrides = "";
  for (let sheet = 1; sheet <= sheets; sheet++) {
    overrides += `<Override PartName="/${
      sheetEntry(sheet)
    }" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`;
  }
  return `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
    `<Default Extension="xml" ContentType="application/xml"/>` +
    `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
    overrides +
    `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
    `</Types>`;
}

/** The path of sheet `sheet` (1-based) in the package. */
export function sheetEntry(sheet: number): string {
  return `xl/worksheets/sheet${sheet}.xml`;
}

export const packageRelationships = `<Relationships xmlns="${relationships}">` +
  `<Relationship Id="rId1" Type="${documentRelationships}/officeDocument" Target="xl/workbook.xml"/>` +
  `</Relationships>`;

/** The workbook's relationships: its sheets (rId1 to rId<sheets>), then its styles. */
export function workbookRelationships(sheets: number): string {
  let sheetRelationships = "";
  for (let sheet = 1; sheet <= sheets; sheet++) {
    sheetRelationships +=
      `<Relationship Id="rId${sheet}" Type="${documentRelationships}/worksheet"` +
      ` Target="worksheets/sheet${sheet}.xml"/>`;
  }
  return `<Relationships xmlns="${relationships}">` + sheetRelationships +
    `<Relationship Id="rId${
      sheets + 1
    }" Type="${documentRelationships}/styles" Target="styles.xml"/>` +
    `</Relationships>`;
}

/**
 * The workbook naming `sheets` sheets after `sheetName`: the second and later
 * with their number, " (2)", kept within Excel's 31 characters.
 */
export function workbook(sheetName: string, sheets = 1): string {
  // Excel refuses these characters in a sheet name, and names over 31 characters.
  const base = sheetName.replace(/[\\/?*:[\]]/g, "_") || "Sheet1";
  let list = "";
  for (let sheet = 1; sheet <= sheets; sheet++) {
    const suffix = sheet === 1 ? "" : ` (${sheet})`;
    const name = base.slice(0, 31 - suffix.length) + suffix;
    list += `<sheet name="${
      escapeXml(name).replaceAll('"', "&quot;")
    }" sheetId="${sheet}" r:id="rId${sheet}"/>`;
  }
  return `<workbook xmlns="${spreadsheetMl}" xmlns:r="${documentRelationships}">` +
    `<sheets>${list}</sheets></workbook>`;
}

// Cell formats, by index: 0 general, 1 a date (built-in format 14), 2 a date
// and time (format 164, defined here).
const dateStyle = 1;
const dateTimeStyle = 2;
export const styles = `<styleSheet xmlns="${spreadsheetMl}">` +
  `<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>` +
  `<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
  `<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
  `<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
  `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
  `<cellXfs count="3">` +
  `<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
  `<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
  `<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
  `</cellXfs>` +
  `<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
  `</styleSheet>`;

/** What a worksheet part starts with, before its rows. */
export const sheetStart = `${xmlDeclaration}<worksheet xmlns="${spreadsheetMl}"><sheetData>`;
/** What a worksheet part ends with, after its rows. */
export const sheetEnd = "</sheetData></worksheet>";

/** The worksheet part: one encoded chunk a batch, so only one batch is ever held. */
async function* sheet(batches: AsyncIterable<RowBatch>): AsyncGenerator<Uint8Array> {
  yield encoder.encode(sheetStart);
  let columns: string[] | undefined;
  let letters: string[] = [];
  let rowNumber = 0;
  let types = new Map<string, number>();
  let described: RowBatch["columns"];
  // The header row, from the first row's keys or, for a source with no rows,
  // from the described columns.
  const header = (names: string[]) => {
    letters = names.map((_, index) => columnLetters(index));
    return rowXml(++rowNumber, names, letters);
  };
  for await (const batch of batches) {
    types = batch.columns ? new Map(batch.columns.map((c) => [c.name, c.type])) : types;
    described = batch.columns ?? described;
    let xml = "";
    for (const row of batch) {
      if (!columns) {
        columns = Object.keys(row);
        xml += header(columns);
      }
      xml += rowXml(
        ++rowNumber,
        columns.map((column) => typedValue(row[column], types.get(column))),
        letters,
      );
    }
    if (xml) yield encoder.encode(xml);
  }
  // No rows: the header alone, as CSV, Markdown and HTML files have it.
  if (!columns && described?.length) {
    yield encoder.encode(header(described.map((column) => column.name)));
  }
  yield encoder.encode(sheetEnd);
}

// numeric and bigint arrive as text, so that no digit is lost. A sheet that
// holds them as text cannot sum them, though: they become numbers where a
// double holds them exactly enough (Excel keeps 15 significant digits), and
// stay text where it would round them.
const excelDigits = 15;
const dateTypes = new Set<number>([pgTypes.date, pgTypes.timestamp, pgTypes.timestamptz]);

/** A column value as the cell it becomes: typed by its Postgres type. */
export function typedValue(value: unknown, type: number | undefined): CellValue {
  if (type === pgTypes.numeric || type === pgTypes.int8) return exactNumber(value);
  if (type !== undefined && dateTypes.has(type) && typeof value === "string") {
    return sheetDate(value) ?? value;
  }
  return toCellValue(value, type);
}

function exactNumber(value: unknown): CellValue {
  if (typeof value !== "string") return toCellValue(value);
  const number = Number(value);
  if (!Number.isFinite(number)) return value;
  // No more characters than digits Excel keeps: no need to count them (most
  // values). Up to 17 could still be 16 or 17 digits without a sign or point.
  if (value.length <= excelDigits) return number;
  const digits = value.replace(/^[-+]?0*|\./g, "").replace(/^0+/, "").length;
  return digits <= excelDigits ? number : value;
}

/** One `<row>` of `values`, its cells in the columns `letters` name. */
export function rowXml(rowNumber: number, values: CellValue[], letters: string[]): string {
  let xml = `<row r="${rowNumber}">`;
  for (let index = 0; index < values.length; index++) {
    const cell = cellXml(`${letters[index]}${rowNumber}`, values[index]);
    if (cell) xml += cell;
  }
  return xml + "</row>";
}

// Excel's day 0 is 1899-12-30 (with 1900 wrongly a leap year, which this
// reckoning absorbs for every date from March 1900 on); day 25569 is 1970-01-01.
const unixEpochSerial = 25569;
const msPerDay = 86_400_000;
const lastSerial = 2_958_465; // 9999-12-31
const firstSerial = 61; // 1900-03-01

// Postgres's ISO text of a date, a timestamp or a timestamptz (its offset
// from UTC last), AD only: BC dates carry a suffix and never match.
const isoDateTime =
  /^(\d{4})-(\d\d)-(\d\d)(?: (\d\d):(\d\d):(\d\d)(\.\d+)?(?:([+-])(\d\d)(?::(\d\d)(?::(\d\d))?)?)?)?$/;

/**
 * The instant (in UTC, to the millisecond) that Postgres's text of a date or
 * timestamp names, when a sheet can hold it as a date; else undefined, and the
 * cell keeps the text: `infinity`, BC dates, years past 9999, dates before
 * March 1900, and text in another DateStyle.
 */
export function sheetDate(text: string): Date | undefined {
  const parts = isoDateTime.exec(text);
  // Before 1900 is before a sheet's dates, and Date.UTC would read 0 to 99 as 1900 to 1999.
  if (!parts || Number(parts[1]) < 1900) return undefined;
  const [
    ,
    year,
    month,
    day,
    hour,
    minute,
    second,
    fraction,
    sign,
    offsetHours,
    offsetMinutes,
    offsetSeconds,
  ] = parts;
  const offset = sign === undefined ? 0 : (sign === "-" ? -1 : 1) *
    (Number(offsetHours) * 3600 + Number(offsetMinutes ?? 0) * 60 + Number(offsetSeconds ?? 0));
  const time = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour ?? 0),
    Number(minute ?? 0),
    Number(second ?? 0) - offset,
    Math.round(Number(fraction ?? 0) * 1000),
  );
  const serial = time / msPerDay + unixEpochSerial;
  return serial >= firstSerial && serial < lastSerial + 1 ? new Date(time) : undefined;
}

/**
 * One `<c>` element, or "" for an empty cell (null); a number in the cell
 * format `numberStyle` when given (its index in the styles' cellXfs).
 */
export function cellXml(ref: string, value: CellValue, numberStyle?: number): string {
  if (value === null) return "";
  if (typeof value === "number") {
    // NaN and the infinities have no number form in a sheet: they are written as text.
    if (!Number.isFinite(value)) return textCell(ref, String(value));
    const style = numberStyle === undefined ? "" : ` s="${numberStyle}"`;
    return `<c r="${ref}"${style}><v>${Object.is(value, -0) ? "-0" : value}</v></c>`;
  }
  if (typeof value === "boolean") return `<c r="${ref}" t="b"><v>${value ? 1 : 0}</v></c>`;
  if (value instanceof Date) {
    const time = value.getTime();
    // A Date postgres.js made of a value JavaScript cannot represent is
    // invalid; the worker's rows carry dates as text (text_rows.ts).
    if (Number.isNaN(time)) return textCell(ref, String(value));
    const serial = time / msPerDay + unixEpochSerial;
    // Before March 1900 or after 9999 Excel has no date: the ISO text instead.
    if (serial < firstSerial || serial >= lastSerial + 1) return textCell(ref, value.toISOString());
    // A date is midnight UTC: no time part, a date format.
    const style = time % msPerDay === 0 ? dateStyle : dateTimeStyle;
    return `<c r="${ref}" s="${style}"><v>${serial}</v></c>`;
  }
  return textCell(ref, value);
}

export function textCell(ref: string, text: string): string {
  return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${
    escapeXml(cutText(text))
  }</t></is></c>`;
}

/** `text` cut to Excel's limit, never between the two halves of a surrogate pair. */
function cutText(text: string): string {
  if (text.length <= xlsxMaxCellText) return text;
  const last = text.charCodeAt(xlsxMaxCellText - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? xlsxMaxCellText - 1 : xlsxMaxCellText);
}

// XML parsers read a raw carriage return as a line feed: it is written as a
// character reference, which every XML parser reads as itself. XML 1.0 has no
// way to write most other control characters; SpreadsheetML spells any
// character as _xHHHH_ (ECMA-376 ST_Xstring), so an underscore that would read
// as the start of such an escape is itself escaped.
// deno-lint-ignore no-control-regex -- matching control characters is the point
const needsEscape = /[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9a-fA-F]{4}_)/g;

export function escapeXml(text: string): string {
  return text.replace(needsEscape, (match) => {
    switch (match) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case "\r":
        return "&#13;";
      default:
        return `_x${match.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}_`;
    }
  });
}

/** The column's letters: 0 is A, 25 Z, 26 AA. */
export function columnLetters(index: number): string {
  let letters = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}
