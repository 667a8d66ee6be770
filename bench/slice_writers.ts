// CPU per row of the slice writers (functions/_shared/files/slice_writer.ts)
// against the one-shot writers they stand beside, in this process, on rows
// held in memory: no Postgres, no upload, only what each writer itself costs,
// its file's SHA-256 included on both sides (the one-shot worker hashes with
// node:crypto, the slice writers with hash-wasm, whose state can be saved).
// The two sides take turns run by run, and the figure is the ratio of their
// medians.
//
//   deno run -A bench/slice_writers.ts [--rows 200000] [--runs 5] [--slice-rows 50000]
import { createHash } from "node:crypto";
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { blockGatherer, coalesceChunks } from "../functions/_shared/files/coalesce_chunks.ts";
import { copyTextFile } from "../functions/_shared/files/copy_text.ts";
import {
  createSliceWriter,
  type SliceFormat,
  type WriterState,
} from "../functions/_shared/files/slice_writer.ts";
import { framingFor } from "../functions/_shared/files/text_framing.ts";
import { type RowBatch, xlsxFile } from "../functions/_shared/files/xlsx_writer.ts";
import { pgTypes } from "../functions/_shared/files/cell_value.ts";
import { summarize } from "./stats.ts";

/** One format's case: its rows, and the one-shot writer's work on them. */
interface Case {
  name: string;
  format: SliceFormat;
  compression: "none" | "gzip";
  header: Uint8Array | null;
  /** The rows in the batches the writer gets them in. */
  batches: (Uint8Array[] | RowBatch)[];
  /** Writes the rows the one-shot way; resolves with the bytes written. */
  oneShot(): Promise<number>;
}

/** What one side of a figure took. */
export interface WriterFigure {
  name: string;
  rows: number;
  /** CPU microseconds a row, median over the runs. */
  oneShotMicros: number;
  slicedMicros: number;
  /** sliced / one-shot. */
  ratio: number;
  oneShotBytes: number;
  slicedBytes: number;
  parts: number;
}

const encoder = new TextEncoder();
const cursorBatchRows = 500;
const copyBatchBytes = 64 * 1024;

/** Text like the sample messages': a few hundred characters, some quotes and line breaks. */
function message(i: number): string {
  const words = ["export", "Supabase", "rows", 'a "quoted" word', "größe", "slice", "part"];
  let text = "";
  while (text.length < 300) text += words[(i * 7 + text.length) % words.length] + " ";
  return i % 10 === 0 ? text + "\nsecond line" : text;
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** COPY batches of about 64 KiB, as copyOutRows gathers them. */
function copyBatches(rows: Uint8Array[]): Uint8Array[][] {
  const batches: Uint8Array[][] = [];
  let batch: Uint8Array[] = [];
  let bytes = 0;
  for (const row of rows) {
    batch.push(row);
    bytes += row.length;
    if (bytes >= copyBatchBytes) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/** The one-shot path's blocks of COPY output (copy_blocks.ts gathers them so). */
function blocksOf(batches: Uint8Array[][]): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  const gatherer = blockGatherer((block) => blocks.push(block));
  for (const batch of batches) for (const row of batch) gatherer.add(row);
  gatherer.flush();
  return blocks;
}

/** Reads `chunks` to their end, hashing them as the one-shot worker does (byte_meter.ts). */
async function byteCount(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<number> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  hash.digest("hex");
  return bytes;
}

function cases(rows: number): Case[] {
  const csvRows = Array.from({ length: rows }, (_, i) =>
    encoder.encode(
      `${i + 1},${crypto.randomUUID()},user,${
        csvField(message(i))
      },2026-12-05 10:00:00.123456+00\n`,
    ));
  const csvHeader = encoder.encode("id,conversation_id,role,content,created_at\n");
  const csv = copyBatches(csvRows);
  const jsonRows = Array.from({ length: rows }, (_, i) =>
    encoder.encode(
      JSON.stringify({ id: i + 1, role: "user", content: message(i) })
        .replaceAll("\\", "\\\\") + "\n",
    ));
  const json = copyBatches(jsonRows);
  const columns = [
    { name: "id", type: pgTypes.int8 },
    { name: "category", type: 25 },
    { name: "description", type: 25 },
    { name: "amount", type: pgTypes.numeric },
    { name: "spent_on", type: pgTypes.date },
  ];
  const items: RowBatch[] = [];
  for (let from = 0; from < rows; from += cursorBatchRows) {
    const batch = [];
    for (let i = from; i < Math.min(from + cursorBatchRows, rows); i++) {
      batch.push({
        id: String(i + 1),
        category: ["rent", "food", "travel"][i % 3],
        description: message(i).slice(0, 40),
        amount: (i % 1000 + 0.25).toFixed(2),
        spent_on: "2026-12-05",
      });
    }
    items.push(Object.assign(batch, { columns }));
  }
  return [
    {
      name: "CSV",
      format: "csv",
      compression: "none",
      header: csvHeader,
      batches: csv,
      // The one-shot COPY sends the header line as its first row.
      oneShot: () => byteCount(blocksOf([[csvHeader], ...csv])),
    },
    {
      name: "gzip CSV",
      format: "csv",
      compression: "gzip",
      header: csvHeader,
      batches: csv,
      oneShot: () =>
        byteCount(
          ReadableStream.from(blocksOf([[csvHeader], ...csv]))
            .pipeThrough(new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>)
            .pipeThrough(coalesceChunks()),
        ),
    },
    {
      name: "JSON",
      format: "json",
      compression: "none",
      header: null,
      batches: json,
      oneShot: () =>
        byteCount(
          ReadableStream.from(blocksOf(json)).pipeThrough(
            copyTextFile(framingFor("json", { title: "t" })).stream,
          ),
        ),
    },
    {
      name: "XLSX",
      format: "xlsx",
      compression: "none",
      header: null,
      batches: items,
      oneShot: () =>
        byteCount(
          xlsxFile(ReadableStream.from(items), { sheetName: "t" }).pipeThrough(
            coalesceChunks(),
          ),
        ),
    },
  ];
}

/** Writes the case's rows in slices of `sliceRows`, the state through JSON between them. */
async function sliced(
  testCase: Case,
  sliceRows: number,
  partLimitBytes: number,
): Promise<{ bytes: number; parts: number }> {
  let state: WriterState | null = null;
  let bytes = 0;
  let parts = 0;
  let position = 1;
  let batchIndex = 0;
  while (batchIndex < testCase.batches.length) {
    const writer = await createSliceWriter({
      format: testCase.format,
      compression: testCase.compression,
      title: "t",
      partLimitBytes,
      header: testCase.header,
      firstPart: 1,
      state: state && JSON.parse(JSON.stringify(state)),
      firstPosition: position,
    });
    const sliceStart = position;
    while (batchIndex < testCase.batches.length && position - sliceStart < sliceRows) {
      const batch = testCase.batches[batchIndex++];
      position += batch.length;
      for (const event of writer.write(batch)) {
        if (event.kind === "bytes") bytes += event.bytes.length;
        else parts++;
      }
    }
    const end = writer.end(batchIndex === testCase.batches.length);
    for (const event of end.events) {
      if (event.kind === "bytes") bytes += event.bytes.length;
      else parts++;
    }
    state = end.state;
  }
  return { bytes, parts };
}

function cpuMicros(): number {
  const { user, system } = cpuUsage();
  return user + system;
}

/** Measures every case, one-shot and sliced in turn, `runs` times each. */
export async function measureWriters(
  options: { rows: number; runs: number; sliceRows: number; partLimitBytes: number },
): Promise<WriterFigure[]> {
  const figures: WriterFigure[] = [];
  for (const testCase of cases(options.rows)) {
    const oneShot: number[] = [];
    const slices: number[] = [];
    let oneShotBytes = 0;
    let slicedResult = { bytes: 0, parts: 0 };
    // An untimed run first: the JIT compiles both sides before either is timed.
    await testCase.oneShot();
    await sliced(testCase, options.sliceRows, options.partLimitBytes);
    for (let run = 0; run < options.runs; run++) {
      let start = cpuMicros();
      oneShotBytes = await testCase.oneShot();
      oneShot.push((cpuMicros() - start) / options.rows);
      start = cpuMicros();
      slicedResult = await sliced(testCase, options.sliceRows, options.partLimitBytes);
      slices.push((cpuMicros() - start) / options.rows);
    }
    const oneShotMicros = summarize(oneShot).median;
    const slicedMicros = summarize(slices).median;
    figures.push({
      name: testCase.name,
      rows: options.rows,
      oneShotMicros,
      slicedMicros,
      ratio: slicedMicros / oneShotMicros,
      oneShotBytes,
      slicedBytes: slicedResult.bytes,
      parts: slicedResult.parts,
    });
  }
  return figures;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rows: { type: "string", default: "200000" },
      runs: { type: "string", default: "5" },
      "slice-rows": { type: "string", default: "50000" },
      "part-mb": { type: "string", default: "50" },
    },
  });
  const options = {
    rows: Number(values.rows),
    runs: Number(values.runs),
    sliceRows: Number(values["slice-rows"]),
    partLimitBytes: Number(values["part-mb"]) * 1024 * 1024,
  };
  const figures = await measureWriters(options);
  console.log(
    `${options.rows.toLocaleString("en-US")} rows, slices of ${
      options.sliceRows.toLocaleString("en-US")
    }, parts of at most ${values["part-mb"]} MiB, median of ${options.runs} runs\n`,
  );
  console.log(
    "| writer | one-shot µs/row | sliced µs/row | ratio | one-shot MB | sliced MB | parts |",
  );
  console.log(
    "| ------ | --------------- | ------------- | ----- | ----------- | --------- | ----- |",
  );
  for (const figure of figures) {
    console.log(
      `| ${figure.name} | ${figure.oneShotMicros.toFixed(2)} | ${
        figure.slicedMicros.toFixed(2)
      } | ${figure.ratio.toFixed(2)}× | ${(figure.oneShotBytes / 1e6).toFixed(1)} | ${
        (figure.slicedBytes / 1e6).toFixed(1)
      } | ${figure.parts} |`,
    );
  }
}
