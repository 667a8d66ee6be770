// Readers of exported files for the tests, each an independent parser of its
// format (csv-parse, exceljs, unpdf, hyparquet), giving rows as lists of cells.
import { parse as parseCsv } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { extractText, getDocumentProxy } from "unpdf";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";

/** A file's bytes as UTF-8 text. */
export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A CSV file's header and records. */
export function csvRows(bytes: Uint8Array): string[][] {
  return parseCsv(text(bytes), { relax_column_count: false }) as string[][];
}

/** A JSON Lines file's documents. */
export function jsonlDocuments(bytes: Uint8Array): Record<string, unknown>[] {
  return text(bytes).split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

/** A Markdown table's cells below its delimiter row, unescaped. */
export function markdownRows(bytes: Uint8Array): string[][] {
  return text(bytes).split("\n").slice(2).filter((line) => line.startsWith("|")).map((line) =>
    line.slice(2, -2).split(/(?<!\\) \| /).map((cell) =>
      cell.trim().replace(/\\(.)/g, "$1").replaceAll("&lt;", "<").replaceAll("&gt;", ">")
        .replaceAll("&amp;", "&")
    )
  );
}

/** An HTML table's data cells, entities decoded. */
export function htmlRows(bytes: Uint8Array): string[][] {
  const decode = (cell: string) =>
    cell.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"')
      .replaceAll("&#39;", "'").replaceAll("&amp;", "&");
  return [...text(bytes).matchAll(/<tr>((?:<td>.*?<\/td>)+)<\/tr>/gs)].map((row) =>
    [...row[1].matchAll(/<td>(.*?)<\/td>/gs)].map((cell) => decode(cell[1]))
  );
}

/** An XLSX workbook's first sheet as rows of cell values, its header first. */
export async function xlsxRows(bytes: Uint8Array): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes.buffer as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  return sheet.getSheetValues().slice(1).map((row) => (row as unknown[]).slice(1));
}

/** A PDF's text, pages merged. */
export async function pdfText(bytes: Uint8Array): Promise<string> {
  return (await extractText(await getDocumentProxy(bytes), { mergePages: true })).text;
}

/**
 * The rows of the aligned tables of a txt file (between each table's rule
 * and the next blank line): cells split on the column separators, trimmed.
 * Good for values without a line break, a `|` or a wrap.
 */
export function txtRows(bytes: Uint8Array): string[][] {
  const rows: string[][] = [];
  let inTable = false;
  for (const line of text(bytes).split("\n")) {
    if (/^-+(\+-+)*$/.test(line)) {
      inTable = true;
      continue;
    }
    if (line === "") {
      inTable = false;
      continue;
    }
    if (inTable) rows.push(line.split("|").map((cell) => cell.trim()));
  }
  return rows;
}

/** A Parquet file's rows and its schema's leaf elements, read with hyparquet. */
export async function parquetFile(bytes: Uint8Array) {
  const file = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  ) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  const rows = await parquetReadObjects({ file, metadata, utf8: true });
  const schema = parquetSchema(metadata).children.map((child) => child.element);
  return { rows, schema, metadata };
}
