// Turns the values postgres.js returns into what a spreadsheet cell or a PDF
// table cell can hold: numbers, booleans and dates stay typed, everything
// structured (jsonb, arrays) becomes its JSON text.
import { Buffer } from "node:buffer";

/** What a cell holds: null renders as an empty cell. */
export type CellValue = string | number | boolean | Date | null;

/** Excel refuses to open a workbook with a longer text cell. */
export const xlsxMaxCellText = 32_767;

/** Converts one column value to a typed cell value. */
export function toCellValue(value: unknown): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return value;
  }
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value;
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString("hex")}`;
  return JSON.stringify(value);
}

/** Converts one column value to the text a human reads in a PDF cell. */
export function toCellText(value: unknown): string {
  const cell = toCellValue(value);
  if (cell === null) return "";
  if (cell instanceof Date) return cell.toISOString();
  return String(cell);
}
