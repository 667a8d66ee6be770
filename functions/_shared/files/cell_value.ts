// Turns the values of a row into what a spreadsheet cell or a PDF table cell
// can hold. The worker reads rows as Postgres's text of each value with the
// column's type (text_rows.ts), so no value passes through a JavaScript type
// that cannot hold it; values already parsed by postgres.js are taken too.
import { Buffer } from "node:buffer";

/** What a cell holds: null renders as an empty cell. */
export type CellValue = string | number | boolean | Date | null;

/** Excel refuses to open a workbook with a longer text cell. */
export const xlsxMaxCellText = 32_767;

/** Type OIDs the writers render as something other than their text. */
export const pgTypes = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  oid: 26,
  float4: 700,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
} as const;

const numberTypes = new Set<number>([
  pgTypes.int2,
  pgTypes.int4,
  pgTypes.oid,
  pgTypes.float4,
  pgTypes.float8,
]);

/**
 * Converts one column value to a typed cell value. A value given as Postgres
 * text becomes a boolean or a number where its type says so (float8's `NaN`
 * and infinities too, which a writer that has no such number shows as that
 * text) and stays text otherwise; int8, numeric and dates are left to the
 * writer, which knows what it can hold exactly.
 */
export function toCellValue(value: unknown, type?: number): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") {
    if (type === pgTypes.bool) return value === "t";
    if (type !== undefined && numberTypes.has(type)) return Number(value);
    return value;
  }
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value;
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString("hex")}`;
  return JSON.stringify(value);
}

/**
 * Converts one column value to the text a human reads in a PDF cell: its
 * Postgres text, booleans as `true` and `false`.
 */
export function toCellText(value: unknown, type?: number): string {
  if (typeof value === "string") return type === pgTypes.bool ? String(value === "t") : value;
  const cell = toCellValue(value, type);
  if (cell === null) return "";
  // A Date postgres.js made of a value JavaScript cannot represent is invalid.
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? String(cell) : cell.toISOString();
  return String(cell);
}
