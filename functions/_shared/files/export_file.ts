// Turns a claimed export's statement into the bytes of its file, inside a
// transaction that already runs as the requesting user: COPY output streamed
// through (csv), COPY chunks framed (json, jsonl, markdown, html, and txt from
// a source's text function), COPY text read into Parquet, or cursor batches
// rendered (xlsx, pdf, txt); then gzip when asked for. COPY output is
// gathered into 64 KiB blocks as it is read (copy_out.ts).
import type postgres from "postgres";
import { copyTextFile } from "./copy_text.ts";
import { type FramedFormat, framingFor } from "./text_framing.ts";
import type { RowBatch } from "./xlsx_writer.ts";
import { type Column, type RawBatch, textRows } from "./text_rows.ts";
import { coalesceChunks } from "./coalesce_chunks.ts";
import { copyOut, type CopyOutOptions } from "./copy_out.ts";
import { parseReport, type Report } from "./report_layout.ts";

/**
 * The formats this layer writes, each with how its rows arrive: exports.formats'
 * statement_kind. tests/functions/vocabulary_test.ts checks the two agree.
 */
export const statementKinds = {
  csv: "copy_csv",
  json: "copy_text",
  jsonl: "copy_text",
  markdown: "copy_text",
  html: "copy_text",
  xlsx: "cursor",
  pdf: "cursor",
  txt: "cursor",
  parquet: "cursor",
} as const;

/** A format of exports.formats. */
export type ExportFormat = keyof typeof statementKinds;

/**
 * How a statement's rows arrive: COPY as CSV, COPY as text chunks, or a
 * cursor. A format's chunks function (txt's text function) makes a cursor
 * format's statement copy_text (exports._build_statement).
 */
export type StatementKind = (typeof statementKinds)[ExportFormat] | "copy_text";

/** Rows fetched per cursor round trip for XLSX, PDF and txt. */
export const cursorBatchSize = 500;

/** A file being produced, and how many source rows it holds so far. */
export interface ExportFile {
  /** The file's bytes, compressed if the export asked for gzip. */
  body: ReadableStream<Uint8Array>;
  /** Source rows written so far; final once `body` has ended. */
  rowsWritten(): number;
  /**
   * Ends the statement if it is still running, so that the transaction can
   * roll back: call it before leaving the transaction when `body` was not
   * read to its end.
   */
  stop(): Promise<void>;
}

/** What decides how an export's file is made: the worker passes its claim's columns. */
export interface FileSpec {
  /** The source's name: the XLSX sheet's and the PDF's title. */
  source: string;
  format: ExportFormat;
  compression: "none" | "gzip";
  /** The statement exports._build_statement wrote for the export. */
  statement: string;
  statement_kind: StatementKind;
  /** The most rows the file may hold (a string: int8 as postgres.js reads it); null: no limit. */
  row_limit: string | number | null;
  /**
   * XLSX and PDF: the source's report (the jsonb value of
   * exports.report_statement, computed with the rows), laid out before the
   * rows; absent or null: the rows as a plain grid.
   */
  report?: unknown;
}

/**
 * The source returned more rows than the export's format or source allows: the
 * request counted fewer, and rows were added before the export ran.
 */
export class RowLimitExceeded extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} rows`);
    this.name = "RowLimitExceeded";
  }
}

/** Options for {@link exportFile}. */
export interface ExportFileOptions extends CopyOutOptions {
  /** The folder of the PDF reports' fonts (see pdf_writer.ts). */
  reportFonts?: URL;
}

/**
 * Starts producing the file for `spec` on `tx`, which must be a transaction
 * already running as the requesting user. The statement runs when the body is read.
 */
export async function exportFile(
  tx: postgres.TransactionSql,
  spec: FileSpec,
  options: ExportFileOptions,
): Promise<ExportFile> {
  const limit = spec.row_limit === null ? null : Number(spec.row_limit);
  const file = await uncompressedFile(tx, spec, limit, options);
  if (spec.compression !== "gzip") return file;
  const body = file.body
    .pipeThrough(new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>)
    .pipeThrough(coalesceChunks());
  return { ...file, body };
}

// A statement with a row limit reads at most one row past it (see
// exports._build_statement): getting that row fails the export.
async function uncompressedFile(
  tx: postgres.TransactionSql,
  spec: FileSpec,
  limit: number | null,
  options: ExportFileOptions,
): Promise<ExportFile> {
  switch (spec.statement_kind) {
    case "copy_csv": {
      const copy = await copyOut(tx, spec.statement, options);
      // Every CSV statement has a header line (exports._build_statement).
      const records = () => Math.max(copy.rows() - 1, 0);
      return {
        body: withinLimit(copy.body, records, limit),
        rowsWritten: records,
        stop: copy.stop,
      };
    }
    case "copy_text": {
      const file = copyTextFile(
        framingFor(spec.format as FramedFormat, { title: spec.source }),
      );
      const copy = await copyOut(tx, spec.statement, options);
      return {
        body: withinLimit(copy.body.pipeThrough(file.stream), file.rows, limit),
        rowsWritten: file.rows,
        stop: copy.stop,
      };
    }
    // Parquet reads its rows from COPY's text, as CSV does, not from a
    // cursor: a cursor's rows are a JavaScript object a value (see
    // parquet_writer.ts).
    case "cursor": {
      if (spec.format === "parquet") {
        const { columns } = await tx.unsafe(spec.statement).describe();
        const copy = await copyOut(tx, `copy (${spec.statement}) to stdout`, options);
        const { parquetFile } = await import("./parquet_writer.ts");
        const file = parquetFile(copy.body, { columns, title: spec.source });
        return {
          body: withinLimit(file, copy.rows, limit).pipeThrough(coalesceChunks()),
          rowsWritten: copy.rows,
          stop: copy.stop,
        };
      }
      let rows = 0;
      let columns: readonly Column[] = [];
      const report = spec.report ? parseReport(spec.report) : null;
      // Raw: each value as Postgres's text, which the writers render by its
      // type (text_rows.ts); a parsed Date cannot hold every date.
      const cursor = tx.unsafe(spec.statement).raw().cursor(cursorBatchSize);
      // Checked before a batch reaches the writer: an XLSX sheet cannot hold
      // a row past the limit, so the file must fail before it is written.
      const counted = (async function* (): AsyncGenerator<RowBatch> {
        for await (const batch of cursor) {
          if (limit !== null && rows + batch.length > limit) throw new RowLimitExceeded(limit);
          const texts = textRows(batch as unknown as RawBatch, columns);
          columns = texts.columns!;
          yield texts;
          rows += batch.length;
        }
        // A cursor over no rows yields no batch, and so no column names: a
        // batch of none carries them, described without running the statement
        // again, so that the file still has its header.
        if (rows === 0) {
          const { columns } = await tx.unsafe(spec.statement).describe();
          yield Object.assign([], { columns });
        }
      })();
      // The writers load with the first export that needs them, not with
      // every worker: pdfkit and its fonts are a large share of the worker's
      // resident memory. The specifiers are literals, so bundlers still
      // include them.
      const file = await cursorFile(spec, counted, { report, fonts: options.reportFonts });
      return {
        body: file.pipeThrough(coalesceChunks()),
        rowsWritten: () => rows,
        // A cursor holds nothing between its fetches that a rollback would
        // wait for: postgres.js runs the rollback after a fetch in flight.
        stop: () => Promise.resolve(),
      };
    }
  }
}

/**
 * The file a cursor's `batches` make in `spec.format`: an XLSX or PDF lays out the report when
 * there is one, else a grid.
 */
async function cursorFile(
  spec: FileSpec,
  batches: AsyncIterable<RowBatch>,
  { report, fonts }: { report: Report | null; fonts: URL | undefined },
): Promise<ReadableStream<Uint8Array>> {
  switch (spec.format) {
    case "xlsx":
      return report
        ? (await import("./xlsx_report.ts")).xlsxReportFile(report, batches)
        : (await import("./xlsx_writer.ts")).xlsxFile(batches, { sheetName: spec.source });
    case "txt":
      return (await import("./txt_writer.ts")).txtFile(batches, { title: spec.source });
    default:
      return report
        ? (await import("./pdf_report.ts")).pdfReportFile(report, batches, {
          title: spec.source,
          fonts,
        })
        : (await import("./pdf_writer.ts")).pdfFile(batches, { title: spec.source, fonts });
  }
}

/** `body`, failing at its end when it held more than `limit` rows. */
function withinLimit(
  body: ReadableStream<Uint8Array>,
  rows: () => number,
  limit: number | null,
): ReadableStream<Uint8Array> {
  if (limit === null) return body;
  return body.pipeThrough(
    new TransformStream({
      flush(controller) {
        if (rows() > limit) controller.error(new RowLimitExceeded(limit));
      },
    }),
  );
}
