// Writes rows as a PDF report, streamed: a landscape table that repeats its
// header on every page, rendered one batch at a time as the reader asks.
//
// Why pdfkit: it is the maintained PDF writer on npm and, with bufferPages off
// (its default), it writes each page out as soon as the next one starts. It
// pushes output without waiting for a reader, so rendering is driven from the
// web stream's pull(): a batch is drawn only when the reader wants more bytes.
//
// Fonts: a text Helvetica can draw (Windows-1252) is set in it, since pdfkit
// lays its built-in fonts out from a table of widths; any other text in the
// report's wider font (report_fonts.ts), which pdfkit lays out word by word
// through fontkit, at a far higher cost in memory. Characters neither can
// draw, such as CJK, print as "?" rather than as empty boxes. A PDF is a
// report for people: exact data belongs in CSV, JSON or XLSX.
// @ts-types="./pdfkit.d.ts"
import PDFDocument from "pdfkit";
import { toCellText } from "./cell_value.ts";
import { type ReportFonts, reportFonts, standardFonts } from "./report_fonts.ts";
import type { RowBatch } from "./xlsx_writer.ts";

/** Options for {@link pdfFile}. */
export interface PdfOptions {
  /** The report's title, printed on the first page and in the PDF metadata. */
  title: string;
  /**
   * The folder of the report's fonts (report_fonts.ts), which the worker's
   * entry point names; without it, the report is set in Helvetica alone.
   */
  fonts?: URL;
}

/** Longest cell text printed; a PDF cell is for reading, not for data. */
export const pdfMaxCellText = 500;
const maxRowHeight = 90;
const cellPadding = 3;
const fontSize = 7;
const margin = 36;
// Where a cell's first line of text sits: one Helvetica ascender (718/1000 em,
// regular and bold alike) below the padding. pdfkit would put it one ascender
// of the cell's own font down, and DejaVu's is taller: its cells would sit
// lower than their Helvetica neighbours.
const firstBaseline = cellPadding + 0.718 * fontSize;
type Weight = "regular" | "bold";

/** A text ready to draw: its printable form and the font to set it in. */
interface SetText {
  text: string;
  font: string;
}

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

/** Whether `fonts` draw every character of `text` (tabs and line breaks need no glyph). */
function drawsAll(text: string, fonts: ReportFonts): boolean {
  for (const char of text) {
    if (!fonts.draws(char.codePointAt(0)!) && char !== "\n" && char !== "\t" && char !== "\r") {
      return false;
    }
  }
  return true;
}

/** Chooses each text's font in one document: Helvetica when it draws all of it, else the wide font. */
class FontChooser {
  #wide: ReportFonts;
  #wideNames: Record<Weight, string>;

  constructor(doc: PDFDocument, wide: ReportFonts) {
    this.#wide = wide;
    // A standard font is set by its own name: pdfkit keeps one instance per
    // name, but registered under another it opens the font afresh every time.
    const name = (weight: Weight) => {
      const source = wide[weight];
      if (typeof source === "string") return source;
      doc.registerFont(`wide-${weight}`, source);
      return `wide-${weight}`;
    };
    this.#wideNames = { regular: name("regular"), bold: name("bold") };
  }

  set(text: string, weight: Weight): SetText {
    return drawsAll(text, standardFonts)
      ? { text: printableText(text, standardFonts), font: standardFonts[weight] }
      : { text: printableText(text, this.#wide), font: this.#wideNames[weight] };
  }
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
      doc = new PDFDocument({
        size: "A4",
        layout: "landscape",
        margin,
        info: { Title: options.title },
      });
      const chooser = new FontChooser(
        doc,
        options.fonts ? await reportFonts(options.fonts) : standardFonts,
      );
      table = new TableLayout(doc, chooser);
      doc.on("data", (chunk: Uint8Array) => controller.enqueue(new Uint8Array(chunk)));
      ended = new Promise((resolve, reject) => doc.on("end", resolve).on("error", reject));
      const title = chooser.set(options.title, "bold");
      doc.font(title.font).fontSize(12).text(title.text);
      doc.moveDown(0.5);
    },
    async pull(controller) {
      const next = await iterator.next();
      if (!next.done) {
        table.describe(next.value.columns);
        for (const row of next.value) table.draw(row);
        return;
      }
      if (!table.drewAnyRow) {
        doc.font(standardFonts.regular).fontSize(fontSize).text("(no rows)");
      }
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
  #chooser: FontChooser;
  #columns: string[] = [];
  #columnWidth = 0;
  #types = new Map<string, number>();
  drewAnyRow = false;

  constructor(doc: PDFDocument, chooser: FontChooser) {
    this.#doc = doc;
    this.#chooser = chooser;
  }

  /** Takes the columns' types from a batch that carries them. */
  describe(columns: RowBatch["columns"]): void {
    if (columns) this.#types = new Map(columns.map((c) => [c.name, c.type]));
  }

  draw(row: Record<string, unknown>): void {
    if (!this.drewAnyRow) {
      this.#columns = Object.keys(row);
      const usable = this.#doc.page.width - 2 * margin;
      this.#columnWidth = usable / Math.max(this.#columns.length, 1);
      this.#drawRow(this.#columns, "bold");
      this.drewAnyRow = true;
    }
    const cells = this.#columns.map((column) => {
      const text = toCellText(row[column], this.#types.get(column));
      return text.length > pdfMaxCellText ? `${text.slice(0, pdfMaxCellText)}…` : text;
    });
    this.#drawRow(cells, "regular");
  }

  #drawRow(cells: string[], weight: Weight): void {
    const doc = this.#doc.fontSize(fontSize);
    const textWidth = this.#columnWidth - 2 * cellPadding;
    const set = cells.map((cell) => this.#chooser.set(cell, weight));
    const height = Math.min(
      maxRowHeight,
      Math.max(
        ...set.map(({ text, font }) => doc.font(font).heightOfString(text, { width: textWidth })),
        0,
      ) + 2 * cellPadding,
    );
    if (doc.y + height > doc.page.height - margin) {
      doc.addPage();
      if (weight === "regular") this.#drawRow(this.#columns, "bold");
      doc.fontSize(fontSize);
    }
    const top = doc.y;
    set.forEach(({ text, font }, index) => {
      const left = margin + index * this.#columnWidth;
      doc.rect(left, top, this.#columnWidth, height).lineWidth(0.25).stroke("#999999");
      doc.font(font).fillColor("#000000").text(text, left + cellPadding, top + firstBaseline, {
        baseline: "alphabetic",
        width: textWidth,
        height: height - 2 * cellPadding,
        ellipsis: true,
      });
    });
    doc.x = margin;
    doc.y = top + height;
  }
}
