// Writes rows as a PDF report, streamed: a landscape table that repeats its
// header on every page, rendered one batch at a time as the reader asks.
//
// Why pdfkit: it is the maintained PDF writer on npm and, with bufferPages off
// (its default), it writes each page out as soon as the next one starts. It
// pushes output without waiting for a reader, so rendering is driven from the
// web stream's pull(): a batch is drawn only when the reader wants more bytes.
//
// Characters the report's fonts (report_fonts.ts) cannot draw, such as emoji
// and CJK, print as "?" rather than as empty boxes. A PDF is a report for
// people: exact data belongs in CSV, JSON or XLSX.
// @ts-types="./pdfkit.d.ts"
import PDFDocument from "pdfkit";
import { toCellText } from "./cell_value.ts";
import { type ReportFonts, reportFonts } from "./report_fonts.ts";
import type { RowBatch } from "./xlsx_writer.ts";

/** Options for {@link pdfFile}. */
export interface PdfOptions {
  /** The report's title, printed on the first page and in the PDF metadata. */
  title: string;
}

/** Longest cell text printed; a PDF cell is for reading, not for data. */
export const pdfMaxCellText = 500;
const maxRowHeight = 90;
const cellPadding = 3;
const fontSize = 7;
const margin = 36;
// The names the report's fonts are registered under in each document.
const regularFont = "regular";
const boldFont = "bold";

/** `text` as `fonts` can print it: tabs and carriage returns as spaces, what they cannot draw as "?". */
export function printableText(text: string, fonts: ReportFonts): string {
  let printable = "";
  for (const char of text) {
    if (char === "\n" || fonts.draws(char.codePointAt(0)!)) printable += char;
    else if (char === "\t" || char === "\r") printable += " ";
    else printable += "?";
  }
  return printable;
}

/**
 * Streams the rows of `batches` as a PDF table. Columns come from the first
 * row's keys; cells are cut to {@link pdfMaxCellText} characters and rows to a
 * fixed height, so one huge value cannot push a row off its page.
 */
export function pdfFile(
  batches: AsyncIterable<RowBatch>,
  options: PdfOptions,
): ReadableStream<Uint8Array> {
  const iterator = batches[Symbol.asyncIterator]();
  let doc: PDFDocument;
  let table: TableLayout;
  let ended: Promise<void>;
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const fonts = await reportFonts();
      doc = new PDFDocument({
        size: "A4",
        layout: "landscape",
        margin,
        info: { Title: options.title },
      });
      doc.registerFont(regularFont, fonts.regular);
      doc.registerFont(boldFont, fonts.bold);
      table = new TableLayout(doc, fonts);
      doc.on("data", (chunk: Uint8Array) => controller.enqueue(new Uint8Array(chunk)));
      ended = new Promise((resolve, reject) => doc.on("end", resolve).on("error", reject));
      doc.font(boldFont).fontSize(12).text(printableText(options.title, fonts));
      doc.moveDown(0.5);
    },
    async pull(controller) {
      const next = await iterator.next();
      if (!next.done) {
        for (const row of next.value) table.draw(row);
        return;
      }
      if (!table.drewAnyRow) doc.font(regularFont).fontSize(fontSize).text("(no rows)");
      doc.end();
      await ended;
      controller.close();
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  }, { highWaterMark: 1 });
}

/** Draws rows as a grid, starting a new page (and header) when one is full. */
class TableLayout {
  #doc: PDFDocument;
  #fonts: ReportFonts;
  #columns: string[] = [];
  #columnWidth = 0;
  drewAnyRow = false;

  constructor(doc: PDFDocument, fonts: ReportFonts) {
    this.#doc = doc;
    this.#fonts = fonts;
  }

  draw(row: Record<string, unknown>): void {
    if (!this.drewAnyRow) {
      this.#columns = Object.keys(row);
      const usable = this.#doc.page.width - 2 * margin;
      this.#columnWidth = usable / Math.max(this.#columns.length, 1);
      this.#drawRow(this.#columns, boldFont);
      this.drewAnyRow = true;
    }
    const cells = this.#columns.map((column) => {
      const text = toCellText(row[column]);
      return text.length > pdfMaxCellText ? `${text.slice(0, pdfMaxCellText)}…` : text;
    });
    this.#drawRow(cells, regularFont);
  }

  #drawRow(cells: string[], font: string): void {
    const doc = this.#doc.font(font).fontSize(fontSize);
    const textWidth = this.#columnWidth - 2 * cellPadding;
    const printable = cells.map((cell) => printableText(cell, this.#fonts));
    const height = Math.min(
      maxRowHeight,
      Math.max(...printable.map((text) => doc.heightOfString(text, { width: textWidth })), 0) +
        2 * cellPadding,
    );
    if (doc.y + height > doc.page.height - margin) {
      doc.addPage();
      if (font === regularFont) this.#drawRow(this.#columns, boldFont);
      doc.font(font).fontSize(fontSize);
    }
    const top = doc.y;
    printable.forEach((text, index) => {
      const left = margin + index * this.#columnWidth;
      doc.rect(left, top, this.#columnWidth, height).lineWidth(0.25).stroke("#999999");
      doc.fillColor("#000000").text(text, left + cellPadding, top + cellPadding, {
        width: textWidth,
        height: height - 2 * cellPadding,
        ellipsis: true,
      });
    });
    doc.x = margin;
    doc.y = top + height;
  }
}
