// Writes rows as an XLSX workbook, streamed: one sheet, a header row, then
// each batch of rows committed and zipped as it arrives.
//
// Why exceljs's WorkbookWriter: it is the maintained streaming XLSX writer on
// npm. With shared strings and styles off it keeps no per-cell state, so a row
// is gone once committed. Its internal buffer (StreamBuf) does not honour
// backpressure, though: it hands every 64 KiB block to the zip at once. So the
// writer below commits one batch, then waits until the reader has drained the
// output before taking the next: at most one batch is ever buffered.
import { once } from "node:events";
import { PassThrough } from "node:stream";
import type { EventEmitter } from "node:events";
import ExcelJS from "exceljs";
import { toCellValue, xlsxMaxCellText } from "./cell_value.ts";

/** A batch of rows as postgres.js returns them: objects keyed by column name. */
export type RowBatch = readonly Record<string, unknown>[];

/** Options for {@link xlsxFile}. */
export interface XlsxOptions {
  /** The worksheet's name (Excel allows 31 characters; longer names are cut). */
  sheetName: string;
}

/**
 * Streams the rows of `batches` as an XLSX file. Columns come from the first
 * row's keys, in order; a source with no rows gives a valid, empty sheet.
 * Text longer than Excel's cell limit is cut to that limit.
 */
export function xlsxFile(
  batches: AsyncIterable<RowBatch>,
  options: XlsxOptions,
): ReadableStream<Uint8Array> {
  const output = new PassThrough();
  writeWorkbook(batches, options, output).catch((error) => output.destroy(error));
  return ReadableStream.from<Uint8Array>(output);
}

async function writeWorkbook(
  batches: AsyncIterable<RowBatch>,
  options: XlsxOptions,
  output: PassThrough,
): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: output,
    useSharedStrings: false,
    useStyles: false,
  });
  const sheet = workbook.addWorksheet(options.sheetName.slice(0, 31));
  let columns: string[] | undefined;
  for await (const batch of batches) {
    for (const row of batch) {
      if (!columns) {
        columns = Object.keys(row);
        sheet.addRow(columns).commit();
      }
      sheet.addRow(columns.map((column) => cellFor(row[column]))).commit();
    }
    await zipCaughtUp(sheet);
  }
  sheet.commit();
  await workbook.commit();
}

function cellFor(value: unknown) {
  const cell = toCellValue(value);
  return typeof cell === "string" && cell.length > xlsxMaxCellText
    ? cell.slice(0, xlsxMaxCellText)
    : cell;
}

/**
 * Resolves once the zip has taken the rows committed so far. exceljs writes
 * each sheet into a StreamBuf whose pipes (archiver's entry streams) it never
 * waits for, so the wait happens here: on the pipe's own `drain`, which comes
 * only once the zip (and so the reader of the output) has consumed the data.
 */
async function zipCaughtUp(sheet: ExcelJS.Worksheet): Promise<void> {
  const { pipes } = (sheet as unknown as { stream: { pipes: ZipEntryInput[] } }).stream;
  for (const pipe of pipes) {
    if (pipe._writableState.needDrain) await once(pipe, "drain");
  }
}

/** The part of a readable-stream Writable that says whether it is backed up. */
interface ZipEntryInput extends EventEmitter {
  _writableState: { needDrain: boolean };
}
