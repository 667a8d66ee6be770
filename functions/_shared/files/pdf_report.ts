// Writes a report as a PDF, streamed: the title, the scope and period, the
// summary figures, the charts and the grouped totals of the source's report
// (computed in Postgres), then the detail lines, one batch at a time as the
// reader asks, in a table that repeats its header on every page.
//
// Everything is drawn with pdfkit's content-stream operators: charts as
// vector rectangles and lines, text through pdf_text.ts, each cell one line
// cut to its column. Dates print as dates and amounts right-aligned with
// their currency. pdfkit writes a page out once the next one starts.
// @ts-types="./pdfkit.d.ts"
import PDFDocument from "pdfkit";
import { pgTypes, toCellText } from "./cell_value.ts";
import { joinBytes } from "./join_bytes.ts";
import { num, PdfText, type SetLine, type Weight } from "./pdf_text.ts";
// A cell prints one line: longer text is cut to this before it is measured.
import { pdfMaxCellText } from "./pdf_writer.ts";
import { reportFonts, standardFonts } from "./report_fonts.ts";
import {
  chartGroup,
  columnLabel,
  figureKind,
  groupColumnKind,
  isCurrencyColumn,
  readableDate,
  readableMonth,
  type Report,
  type ReportChart,
  type ReportGroup,
  reportSubtitle,
  type ValueKind,
} from "./report_layout.ts";
import type { RowBatch } from "./xlsx_writer.ts";

/** Options for {@link pdfReportFile}. */
export interface PdfReportOptions {
  /** The PDF's metadata title when the report has none. */
  title: string;
  /** The folder of the report's fonts (report_fonts.ts); none: Helvetica. */
  fonts?: URL;
}

const encoder = new TextEncoder();
const pageWidth = 595.28;
const pageHeight = 841.89;
const margin = 36;
const usable = pageWidth - 2 * margin;
const footerY = pageHeight - 18;
const bottom = pageHeight - margin;
const lineSize = 7.5;
const lineHeight = 11;
const textColor = "0.13 0.13 0.13";
const mutedColor = "0.42 0.42 0.42";
const ruleColor = "0.8 0.8 0.8";
const stripeColor = "0.955 0.96 0.97";
const headerFill = "0.88 0.9 0.93";
// One colour a series: blue for the first (income), orange for the second.
const seriesColors = ["0.23 0.45 0.72", "0.89 0.47 0.2", "0.35 0.63 0.36", "0.55 0.4 0.7"];
const breakdownColor = seriesColors[1];
// A detail line's stripe, but for its y.
const stripeLeft = num(margin);
const stripeSize = `${num(usable)} ${num(lineHeight)}`;

/** Streams `report` and then the rows of `batches` as a PDF report. */
export function pdfReportFile(
  report: Report,
  batches: AsyncIterable<RowBatch>,
  options: PdfReportOptions,
): ReadableStream<Uint8Array> {
  const iterator = batches[Symbol.asyncIterator]();
  let page: ReportPages;
  let lines: LinesTable | undefined;
  let ended: Promise<void>;
  let doc: PDFDocument;
  // pdfkit writes a page as dozens of small pieces: they are handed on as
  // one block a pull, so the stream and the upload take one chunk, not
  // hundreds.
  let pieces: Uint8Array[] = [];
  const handOn = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (pieces.length === 0) return false;
    const block = joinBytes(pieces);
    pieces = [];
    controller.enqueue(block);
    return true;
  };
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      doc = new PDFDocument({
        size: "A4",
        layout: "portrait",
        margin,
        info: { Title: report.title || options.title },
      });
      doc.on("data", (piece: Uint8Array) => pieces.push(piece));
      ended = new Promise((resolve, reject) => doc.on("end", resolve).on("error", reject));
      page = new ReportPages(
        doc,
        new PdfText(doc, options.fonts ? await reportFonts(options.fonts) : standardFonts),
        report,
      );
      drawSummary(page, report);
      page.flush();
      handOn(controller);
    },
    async pull(controller) {
      // A pull that enqueues nothing is not followed by another one: batches
      // are drawn until pdfkit has written something out (a page ends every
      // few dozen lines) or the lines end.
      let next = await iterator.next();
      while (!next.done) {
        lines ??= new LinesTable(page, report, next.value);
        for (const row of next.value) lines.draw(row);
        page.flush();
        if (handOn(controller)) return;
        next = await iterator.next();
      }
      if (!lines?.drewAnyRow) {
        if (!lines) page.heading("Lines");
        page.text("(no lines)", margin, page.y + lineSize, "regular", lineSize, mutedColor);
      }
      page.finish();
      doc.end();
      await ended;
      handOn(controller);
      controller.close();
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  }, { highWaterMark: 1 });
}

/** The pages: a cursor down the page, operators gathered and written a batch at a time. */
class ReportPages {
  readonly doc: PDFDocument;
  readonly type: PdfText;
  y = margin;
  #ops = "";
  #number = 1;
  // The page's fill colour: set again only where it changes.
  #fill: string | undefined;
  #footer: string;

  constructor(doc: PDFDocument, type: PdfText, report: Report) {
    this.doc = doc;
    this.type = type;
    this.#footer = [report.title, report.scope].filter(Boolean).join("  ·  ");
  }

  /** Starts a new page unless `height` more fits on this one; true when it did. */
  ensure(height: number): boolean {
    if (this.y + height <= bottom) return false;
    this.finishPage();
    this.doc.addPage();
    this.type.newPage();
    this.#fill = undefined;
    this.#number++;
    this.y = margin;
    return true;
  }

  add(ops: string): void {
    this.#ops += ops;
  }

  /** The operator that makes `color` the fill colour, or nothing when it is already. */
  fill(color: string): string {
    if (color === this.#fill) return "";
    this.#fill = color;
    return `${color} rg\n`;
  }

  set(text: string, weight: Weight, size: number, maxWidth?: number): SetLine {
    return this.type.set(text, weight, size, maxWidth);
  }

  /** Draws `text` with its baseline at `y`; returns its width. */
  text(
    text: string,
    x: number,
    y: number,
    weight: Weight,
    size: number,
    color = textColor,
    maxWidth?: number,
  ): number {
    const line = this.type.set(text, weight, size, maxWidth);
    this.#ops += this.fill(color) + this.type.draw(line, x, y, size);
    return line.width * size;
  }

  /** Draws `text` ending at `right`. */
  textRight(
    text: string,
    right: number,
    y: number,
    weight: Weight,
    size: number,
    color = textColor,
  ) {
    const line = this.type.set(text, weight, size);
    this.#ops += this.fill(color) + this.type.draw(line, right - line.width * size, y, size);
  }

  rect(x: number, y: number, width: number, height: number, color: string): void {
    this.#ops += `${this.fill(color)}${num(x)} ${num(y)} ${num(width)} ${num(height)} re f\n`;
  }

  line(x1: number, y1: number, x2: number, y2: number, color = ruleColor, width = 0.5): void {
    this.#ops += `${color} RG ${width} w ${num(x1)} ${num(y1)} m ${num(x2)} ${num(y2)} l S\n`;
  }

  heading(title: string): void {
    this.ensure(40);
    this.y += 10;
    this.text(title, margin, this.y + 11, "bold", 11);
    this.y += 18;
  }

  /** Writes the gathered operators into the page's content. */
  flush(): void {
    // As bytes: pdfkit would copy a string into them one character at a time.
    if (this.#ops) this.doc.addContent(encoder.encode(this.#ops));
    this.#ops = "";
  }

  finishPage(): void {
    const label = `${this.#footer}${this.#footer ? "  ·  " : ""}page ${this.#number}`;
    this.textRight(label, pageWidth - margin, footerY, "regular", 7, mutedColor);
    this.flush();
  }

  finish(): void {
    this.finishPage();
  }
}

/** Formats report values as people read them. */
class Formats {
  #currency: Intl.NumberFormat;
  #number = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });
  #percent = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });
  #count = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });

  #decimalCurrency: ((text: string) => string | undefined) | undefined;

  constructor(report: Report) {
    this.#currency = currencyFormat(report.currency);
    this.#decimalCurrency = decimalFormat(this.#currency);
  }

  /** An amount's text (a decimal as Postgres writes it) in the report's currency. */
  currencyText(text: string): string {
    return this.#decimalCurrency?.(text) ?? this.value(Number(text), "currency");
  }

  value(value: unknown, kind: ValueKind): string {
    if (value === null || value === undefined) return "";
    if (kind === "text") return String(value);
    const number = Number(value);
    if (!Number.isFinite(number)) return String(value);
    switch (kind) {
      case "currency":
        return this.#currency.format(number);
      case "percent":
        return this.#percent.format(number);
      case "count":
        return this.#count.format(number);
      default:
        return this.#number.format(number);
    }
  }
}

function currencyFormat(currency: string | null | undefined): Intl.NumberFormat {
  try {
    if (currency) {
      return new Intl.NumberFormat("en", {
        style: "currency",
        currency,
        currencyDisplay: "narrowSymbol",
      });
    }
  } catch {
    // An unknown code: the amounts print as numbers.
  }
  return new Intl.NumberFormat("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/**
 * A formatter of decimal texts that writes what `format` would, digit by
 * digit, for the amounts it can write without rounding: a table of thousands
 * of amounts would otherwise spend much of its time in Intl. Undefined, and
 * Intl it is, when a sample written both ways differs.
 */
function decimalFormat(
  format: Intl.NumberFormat,
): ((text: string) => string | undefined) | undefined {
  const { minimumFractionDigits, maximumFractionDigits } = format.resolvedOptions();
  if (minimumFractionDigits !== maximumFractionDigits) return undefined;
  const digits = maximumFractionDigits ?? 0;
  // What comes before and after the digits, and the group and decimal separators.
  const pattern = (value: number) => {
    const parts = format.formatToParts(value);
    const digitParts = new Set(["integer", "group", "decimal", "fraction"]);
    const first = parts.findIndex((part) => digitParts.has(part.type));
    const last = parts.findLastIndex((part) => digitParts.has(part.type));
    const text = (from: number, to: number) =>
      parts.slice(from, to).map((part) => part.value).join("");
    return {
      before: text(0, first),
      after: text(last + 1, parts.length),
      group: parts.find((part) => part.type === "group")?.value ?? "",
      decimal: parts.find((part) => part.type === "decimal")?.value ?? "",
    };
  };
  const positive = pattern(1234567.5);
  const negative = pattern(-1234567.5);
  const shape = /^(-?)(\d{1,15})(?:\.(\d*))?$/;
  const formatted = (text: string): string | undefined => {
    const match = shape.exec(text);
    // Rounding, or more digits than a double keeps: Intl, as before.
    if (!match || (match[3] ?? "").length > digits) return undefined;
    if (match[2].length + (match[3] ?? "").length > 15) return undefined;
    const { before, after, group, decimal } = match[1] ? negative : positive;
    const integer = match[2];
    let grouped = integer.slice(0, (integer.length - 1) % 3 + 1);
    for (let at = grouped.length; at < integer.length; at += 3) {
      grouped += group + integer.slice(at, at + 3);
    }
    const fraction = digits > 0 ? decimal + (match[3] ?? "").padEnd(digits, "0") : "";
    return before + grouped + fraction + after;
  };
  const samples = ["0", "7", "-7.5", "12.34", "-999.99", "1000", "-1234.56", "1234567.89"];
  return samples.every((sample) => formatted(sample) === format.format(Number(sample)))
    ? formatted
    : undefined;
}

/** The first page: title, subtitle, figures, charts, then the groups' tables. */
function drawSummary(page: ReportPages, report: Report): void {
  const formats = new Formats(report);
  page.text(report.title, margin, page.y + 16, "bold", 18, textColor, usable);
  page.y += 24;
  const subtitle = reportSubtitle(report);
  if (subtitle) {
    page.text(subtitle, margin, page.y + 10, "regular", 10, mutedColor, usable);
    page.y += 16;
  }
  page.y += 8;
  drawFigures(page, report, formats);
  for (const chart of report.charts) {
    if (chart.type === "bars") drawBars(page, report, chart);
    else drawBreakdown(page, report, chart, formats);
  }
  for (const group of report.groups) drawGroup(page, report, group, formats);
}

function drawFigures(page: ReportPages, report: Report, formats: Formats): void {
  const perRow = 4;
  const gap = 8;
  for (let start = 0; start < report.figures.length; start += perRow) {
    const row = report.figures.slice(start, start + perRow);
    const width = (usable - gap * (perRow - 1)) / perRow;
    page.ensure(50);
    row.forEach((figure, index) => {
      const x = margin + index * (width + gap);
      page.rect(x, page.y, width, 44, stripeColor);
      page.rect(x, page.y, 3, 44, seriesColors[0]);
      page.text(figure.label, x + 10, page.y + 14, "regular", 8, mutedColor, width - 14);
      const value = formats.value(figure.value, figureKind(report, figure));
      page.text(value, x + 10, page.y + 34, "bold", 15, textColor, width - 14);
    });
    page.y += 44 + gap;
  }
}

/** A step of 1, 2, 2.5 or 5 times a power of ten, so that `range` takes about `ticks` steps. */
function niceStep(range: number, ticks: number): number {
  if (!(range > 0)) return 1;
  const rough = range / ticks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].find((f) => f * power >= rough)!;
  return step * power;
}

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

/** Clustered vertical bars: one cluster a key of the group, one bar a series. */
function drawBars(page: ReportPages, report: Report, chart: ReportChart) {
  const group = chartGroup(report, chart);
  const series = chart.columns!;
  const height = 190;
  page.ensure(height + 50);
  page.y += 10;
  page.text(chart.title, margin, page.y + 10, "bold", 10);
  // The legend, right-aligned on the title's line.
  let legendX = pageWidth - margin;
  for (let s = series.length - 1; s >= 0; s--) {
    const label = group.columns[series[s] - 1].label;
    const width = page.type.width(label, "regular", 8);
    legendX -= width;
    page.text(label, legendX, page.y + 10, "regular", 8, mutedColor);
    legendX -= 11;
    page.rect(legendX, page.y + 3, 8, 8, seriesColors[s % seriesColors.length]);
    legendX -= 10;
  }
  page.y += 20;
  const values = group.rows.map((row) => series.map((p) => Number(row[p]) || 0));
  const all = values.flat();
  const low = Math.min(0, ...all);
  const high = Math.max(0, ...all);
  const step = niceStep(high - low, 4);
  const floor = Math.floor(low / step) * step;
  const ceiling = Math.max(Math.ceil(high / step) * step, floor + step);
  const axisWidth = 44;
  const left = margin + axisWidth;
  const plotWidth = usable - axisWidth;
  const plotTop = page.y;
  const plotHeight = height - 30;
  const yOf = (value: number) => plotTop + plotHeight * (ceiling - value) / (ceiling - floor);
  for (let tick = floor; tick <= ceiling + step / 2; tick += step) {
    const y = yOf(tick);
    page.line(left, y, left + plotWidth, y, tick === 0 ? "0.5 0.5 0.5" : ruleColor, 0.5);
    page.textRight(compact.format(tick), left - 4, y + 2.5, "regular", 7, mutedColor);
  }
  const slot = plotWidth / Math.max(values.length, 1);
  const barWidth = Math.min(slot * 0.8 / series.length, 24);
  const keyKind = group.key.by === "month";
  // Labels thin out so that they never overlap.
  const labelEvery = Math.ceil(26 / slot);
  values.forEach((row, index) => {
    const clusterLeft = left + index * slot + (slot - barWidth * series.length) / 2;
    row.forEach((value, s) => {
      const top = yOf(Math.max(value, 0));
      const barHeight = Math.abs(yOf(value) - yOf(0));
      page.rect(
        clusterLeft + s * barWidth,
        top,
        barWidth,
        Math.max(barHeight, 0.3),
        seriesColors[s % seriesColors.length],
      );
    });
    if (index % labelEvery === 0) {
      const key = String(group.rows[index][0] ?? "");
      const center = left + index * slot + slot / 2;
      const [first, second] = keyKind ? readableMonth(key).split(" ") : [key, ""];
      const label = page.set(first, "regular", 7, slot * labelEvery - 2);
      page.add(page.fill(mutedColor));
      page.add(
        page.type.draw(label, center - label.width * 7 / 2, plotTop + plotHeight + 10, 7),
      );
      // A month's year under January's label and the first one.
      if (second && (index === 0 || key.slice(5, 7) === "01")) {
        page.text(
          second,
          center - page.type.width(second, "regular", 7) / 2,
          plotTop + plotHeight + 19,
          "regular",
          7,
          mutedColor,
        );
      }
    }
  });
  page.y += height;
}

/** Horizontal bars of one column, largest first, with each one's value and share. */
function drawBreakdown(page: ReportPages, report: Report, chart: ReportChart, formats: Formats) {
  const group = chartGroup(report, chart);
  const position = chart.column!;
  const rows = group.rows
    .filter((row) => !chart.where || String(row[chart.where.column]) === chart.where.equals)
    .map((row) => ({ key: String(row[0] ?? ""), value: Math.abs(Number(row[position]) || 0) }))
    .sort((a, b) => b.value - a.value);
  const total = rows.reduce((sum, row) => sum + row.value, 0);
  const largest = rows[0]?.value ?? 0;
  const kind = groupColumnKind(report, group.columns[position - 1]);
  const barHeight = 11;
  const rowHeight = 16;
  page.ensure(30 + Math.min(rows.length, 5) * rowHeight);
  page.y += 14;
  page.text(chart.title, margin, page.y + 10, "bold", 10);
  page.y += 18;
  const labelWidth = 120;
  const valueWidth = 120;
  const barSpace = usable - labelWidth - valueWidth;
  rows.forEach((row) => {
    page.ensure(rowHeight);
    const y = page.y;
    page.text(row.key, margin, y + 9, "regular", 8, textColor, labelWidth - 6);
    const width = largest > 0 ? barSpace * row.value / largest : 0;
    page.rect(margin + labelWidth, y + 1, Math.max(width, 0.5), barHeight, breakdownColor);
    const share = total > 0 ? row.value / total : 0;
    page.textRight(
      `${formats.value(row.value, kind)}  ·  ${formats.value(share, "percent")}`,
      pageWidth - margin,
      y + 9,
      "regular",
      8,
    );
    page.y += rowHeight;
  });
}

/** A group's totals as a table: its key, then each column, right-aligned but for text. */
function drawGroup(page: ReportPages, report: Report, group: ReportGroup, formats: Formats) {
  const kinds = group.columns.map((column) => groupColumnKind(report, column));
  const keyWidth = 150;
  const width = Math.min(95, (usable - keyWidth) / Math.max(group.columns.length, 1));
  const header = () => {
    page.rect(margin, page.y, keyWidth + width * kinds.length, lineHeight + 2, headerFill);
    page.text(group.key.label, margin + 4, page.y + 8.5, "bold", lineSize);
    group.columns.forEach((column, index) => {
      const right = margin + keyWidth + width * (index + 1) - 4;
      if (kinds[index] === "text") {
        page.text(column.label, right - width + 8, page.y + 8.5, "bold", lineSize);
      } else page.textRight(column.label, right, page.y + 8.5, "bold", lineSize);
    });
    page.y += lineHeight + 2;
  };
  page.heading(group.title);
  header();
  group.rows.forEach((row, rowIndex) => {
    if (page.ensure(lineHeight)) header();
    if (rowIndex % 2 === 1) {
      page.rect(margin, page.y, keyWidth + width * kinds.length, lineHeight, stripeColor);
    }
    const baseline = page.y + 8;
    const key = String(row[0] ?? "");
    page.text(
      group.key.by === "month" ? readableMonth(key) : key,
      margin + 4,
      baseline,
      "regular",
      lineSize,
      textColor,
      keyWidth - 8,
    );
    kinds.forEach((kind, index) => {
      const right = margin + keyWidth + width * (index + 1) - 4;
      const text = formats.value(row[index + 1], kind);
      if (kind === "text") {
        page.text(text, right - width + 8, baseline, "regular", lineSize, textColor, width - 8);
      } else page.textRight(text, right, baseline, "regular", lineSize);
    });
    page.y += lineHeight;
  });
  page.line(margin, page.y, margin + keyWidth + width * kinds.length, page.y);
}

type CellKind = "date" | "currency" | "number" | "text";

const numberTypes = new Set<number>([
  pgTypes.int2,
  pgTypes.int4,
  pgTypes.int8,
  pgTypes.float4,
  pgTypes.float8,
  pgTypes.numeric,
  pgTypes.oid,
]);

// The most cells a column keeps: enough for every date of years of lines,
// and a bound on what a column that stops repeating can hold.
const keptCells = 10_000;

/** A column of the detail lines. */
interface LinesColumn {
  name: string;
  type: number;
  kind: CellKind;
  left: number;
  width: number;
  /** The cells of values seen before, in a column whose values repeat (dates, categories). */
  cells?: Map<string, Cell>;
}

/** A cell ready to draw: its text and its x. */
interface Cell {
  line: SetLine;
  x: number;
}

/** The detail lines: a header repeated on every page, one line a row, striped. */
class LinesTable {
  #page: ReportPages;
  #columns: LinesColumn[];
  #formats: Formats;
  #rows = 0;
  drewAnyRow = false;

  constructor(page: ReportPages, report: Report, first: RowBatch) {
    this.#page = page;
    this.#formats = new Formats(report);
    const described = first.columns ??
      Object.keys(first[0] ?? {}).map((name) => ({ name, type: 0 }));
    const kinds = described.map(({ name, type }): CellKind =>
      type === pgTypes.date
        ? "date"
        : numberTypes.has(type)
        ? (isCurrencyColumn(report, name) ? "currency" : "number")
        : "text"
    );
    // Dates and numbers get what their longest value needs; text columns
    // share the rest in proportion to their widest values in the first batch.
    const fixed: Record<CellKind, number> = { date: 52, currency: 72, number: 56, text: 0 };
    const labels = described.map(({ name }) => columnLabel(report, name));
    const wants = described.map(({ name }, index) => {
      if (kinds[index] !== "text") return 0;
      let widest = page.type.width(labels[index], "bold", lineSize);
      for (const row of first.slice(0, 200)) {
        const value = row[name];
        if (typeof value === "string") {
          widest = Math.max(widest, page.type.width(value, "regular", lineSize));
        }
      }
      return Math.min(widest + 8, 400);
    });
    const rest = usable - kinds.reduce((sum, kind) => sum + fixed[kind], 0);
    const wanted = wants.reduce((sum, want) => sum + want, 0) || 1;
    let left = margin;
    this.#columns = described.map(({ name }, index) => {
      const width = kinds[index] === "text"
        ? Math.min(wants[index], Math.max(40, rest * wants[index] / wanted))
        : fixed[kinds[index]];
      const column = { name, type: described[index].type, kind: kinds[index], left, width };
      left += width;
      return column;
    });
    // Text columns take up what the others left over, in proportion to what they want.
    const spare = margin + usable - left;
    if (spare > 0) {
      let shift = 0;
      for (const [index, column] of this.#columns.entries()) {
        column.left += shift;
        if (column.kind === "text") {
          const more = spare * wants[index] / wanted;
          column.width += more;
          shift += more;
        }
      }
    }
    for (const column of this.#columns) {
      // A column whose values repeat in the first batch keeps its cells: each
      // is then formatted and measured once.
      if (column.kind !== "currency" && column.kind !== "number") {
        const values = new Set(first.map((row) => row[column.name]));
        if (values.size <= first.length / 2) column.cells = new Map();
      }
    }
    page.heading("Lines");
    this.#header(labels);
    this.#labels = labels;
  }

  #labels: string[];

  #header(labels: string[]): void {
    const page = this.#page;
    page.rect(margin, page.y, usable, lineHeight + 2, headerFill);
    this.#columns.forEach((column, index) => {
      if (column.kind === "text" || column.kind === "date") {
        page.text(
          labels[index],
          column.left + 3,
          page.y + 8.5,
          "bold",
          lineSize,
          textColor,
          column.width - 6,
        );
      } else {page.textRight(
          labels[index],
          column.left + column.width - 3,
          page.y + 8.5,
          "bold",
          lineSize,
        );}
    });
    page.y += lineHeight + 2;
  }

  draw(row: Record<string, unknown>): void {
    const page = this.#page;
    if (page.ensure(lineHeight)) this.#header(this.#labels);
    let ops = this.#rows++ % 2 === 1
      ? `${page.fill(stripeColor)}${stripeLeft} ${num(page.y)} ${stripeSize} re f\n`
      : "";
    const cells: Cell[] = [];
    for (const column of this.#columns) {
      const value = row[column.name];
      if (value === null || value === undefined || value === "") continue;
      let cell = column.cells?.get(value as string);
      if (!cell) {
        const text = this.#text(value, column.kind, column.type);
        const line = page.set(text, "regular", lineSize, column.width - 6);
        const x = column.kind === "currency" || column.kind === "number"
          ? column.left + column.width - 3 - line.width * lineSize
          : column.left + 3;
        cell = { line, x };
        const kept = column.cells;
        if (kept && kept.size < keptCells && typeof value === "string") kept.set(value, cell);
      }
      cells.push(cell);
    }
    ops += page.fill(textColor) + page.type.drawRow(cells, page.y + 8, lineSize);
    page.add(ops);
    page.y += lineHeight;
    this.drewAnyRow = true;
  }

  #text(value: unknown, kind: CellKind, type: number): string {
    const text = toCellText(value, type);
    if (text.length > pdfMaxCellText) return `${text.slice(0, pdfMaxCellText)}…`;
    switch (kind) {
      case "date":
        return readableDate(text);
      case "currency":
        // More digits than a double keeps print as Postgres wrote them.
        return Number.isFinite(Number(text)) && text.length <= 16
          ? this.#formats.currencyText(text)
          : text;
      default:
        return text;
    }
  }
}
