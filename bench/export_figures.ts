// The export figures: CSV, JSONL and gzip CSV of the large bench user's
// messages beside psql's own COPY of the same statement, the worker's peak
// memory at the small and the large size, the worker's CPU time for each,
// XLSX and PDF at their row caps beside a CSV export of the same rows, and the
// budget's PDF report beside the plain grid and the CSV of its rows. Every
// run goes through the real API and worker, request -> completed file in Storage.
import type { SupabaseClient } from "@supabase/supabase-js";
import type { BenchConfig } from "./config.ts";
import {
  baselineSeconds,
  type ExportContext,
  type ExportRequest,
  type ExportRun,
  exportStatement,
  measuredExport,
} from "./export_runs.ts";
import type { Figure } from "./figure.ts";
import type { Dataset } from "./seed.ts";
import { summarize, throughputRatio } from "./stats.ts";
import { sample } from "./timing.ts";

/** The users the export figures request as. */
export interface ExportUsers {
  /** Owns the large conversations set and the XLSX and PDF households. */
  large: { client: SupabaseClient; claims: Record<string, unknown> };
  /** Owns the small conversations set. */
  small: { client: SupabaseClient; claims: Record<string, unknown> };
}

/** The households the budget seed created for the XLSX and PDF figures. */
export const xlsxHousehold = "00000000-0000-4000-8000-0000000b0001";
export const pdfHousehold = "00000000-0000-4000-8000-0000000b0002";

const mb = (bytes: number) => bytes / 1e6;
/** A file size the way a reader takes it in: kB below a megabyte. */
const size = (bytes: number) =>
  bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${mb(bytes).toFixed(bytes < 1e8 ? 1 : 0)} MB`;
const count = (n: number) => n.toLocaleString("en-US");
const median = (values: number[]) => summarize(values).median;
const ms = (seconds: number) => `${(seconds * 1000).toFixed(0)} ms`;

function conversations(format: "csv" | "jsonl", compression: "none" | "gzip"): ExportRequest {
  return { source: "conversations", format, compression, options: {} };
}

/** Runs an export `runs` times, each on a fresh worker, and logs each run's time and peak. */
async function exportRuns(
  context: ExportContext,
  config: BenchConfig,
  client: SupabaseClient,
  request: ExportRequest,
  label: string,
): Promise<ExportRun[]> {
  const runs = await sample(config.runs, () => measuredExport(context, client, request));
  for (const [index, run] of runs.entries()) {
    console.error(`    ${label} ${index + 1}/${runs.length}: ${describeRun(run)}`);
  }
  return runs;
}

/** A run's time and the worker's peak and CPU, for the log: outliers show which run they were. */
function describeRun(run: ExportRun): string {
  return `export ${run.seconds.toFixed(2)} s (request to claim ${ms(run.queuedSeconds)}, ` +
    `claim to completion ${ms(run.runningSeconds)}), worker peak ${run.peakMB.toFixed(0)} MB, ` +
    `worker CPU ${run.workerCpuSeconds.toFixed(2)} s`;
}

/**
 * The worker's CPU time for an export. A hosted Edge Function may use 2 s of
 * CPU a request (supabase.com/docs/guides/functions/limits): this says which
 * exports fit in one.
 */
function cpuFigure(name: string, runs: ExportRun[]): Figure {
  const seconds = runs.map((run) => run.workerCpuSeconds);
  const perRow = median(seconds) / runs[0].rows * 1e6;
  const shown = perRow < 10 ? perRow.toFixed(1) : count(Math.round(perRow));
  return {
    name,
    value: summarize(seconds),
    unit: "s",
    note: `user + system time of the worker process (/proc), ${shown} µs a row ` +
      `on average; a hosted Edge Function gets 2 s a request`,
  };
}

/** An export beside psql's COPY of the statement the SQL core builds for it. */
async function againstCopy(
  context: ExportContext,
  config: BenchConfig,
  user: ExportUsers["large"],
  name: string,
  request: ExportRequest,
): Promise<{ figure: Figure; runs: ExportRun[] }> {
  const statement = await exportStatement(context.sql, request);
  // Baseline and export take turns, so a slow spell of the shared machine
  // lands on both sides of the ratio rather than on one.
  const baseline: number[] = [];
  const runs: ExportRun[] = [];
  for (let run = 1; run <= config.runs; run++) {
    baseline.push(await baselineSeconds(context.dbUrl, user.claims, statement));
    runs.push(await measuredExport(context, user.client, request));
    console.error(
      `    ${name} ${run}/${config.runs}: psql COPY ${baseline.at(-1)!.toFixed(2)} s, ` +
        describeRun(runs.at(-1)!),
    );
  }
  const seconds = runs.map((run) => run.seconds);
  const { rows, bytes } = runs[0];
  return {
    runs,
    figure: {
      name,
      value: summarize(seconds),
      unit: "s",
      baseline: { name: "psql COPY", value: summarize(baseline) },
      ratio: throughputRatio(median(seconds), median(baseline)),
      target: { on: "ratio", kind: "at least", bound: 0.7 },
      note: `${count(rows)} rows, ${size(bytes)} file, ` +
        `${(mb(bytes) / median(seconds)).toFixed(0)} MB/s through the worker; baseline: ` +
        `\`psql -c "${statement.replace(/'\{\}'::jsonb/, "'{}'")}" > /dev/null\` as the same user`,
    },
  };
}

/** The worker's peak memory over a set of runs at one size. */
function memoryFigure(name: string, runs: ExportRun[], note: string): Figure {
  return {
    name,
    value: summarize(runs.map((run) => run.peakMB)),
    unit: "MB",
    target: { on: "median", kind: "below", bound: 150 },
    note,
  };
}

/** A format at its row cap, in rows/s, beside a CSV export of the same rows. */
async function atCap(
  context: ExportContext,
  config: BenchConfig,
  user: ExportUsers["large"],
  format: "xlsx" | "pdf",
  household: string,
  expectedRows: number,
): Promise<Figure[]> {
  const request: ExportRequest = {
    source: "budget",
    format,
    compression: "none",
    options: {},
    scope: household,
  };
  const label = format.toUpperCase();
  const runs = await exportRuns(context, config, user.client, request, `${label} at its cap`);
  if (runs[0].rows !== expectedRows) {
    throw new Error(
      `the ${format} export held ${runs[0].rows} rows, not the ${expectedRows} seeded`,
    );
  }
  const csv = await exportRuns(
    context,
    config,
    user.client,
    { ...request, format: "csv" },
    `CSV of ${label}'s rows`,
  );
  const rate = (run: ExportRun) => run.rows / run.seconds;
  return [
    {
      name: `${label} export at its cap`,
      value: summarize(runs.map(rate)),
      unit: "rows/s",
      baseline: { name: "CSV export", value: summarize(csv.map(rate)) },
      ratio: median(runs.map(rate)) / median(csv.map(rate)),
      note: `${count(runs[0].rows)} budget line items, ${size(runs[0].bytes)} file ` +
        `(CSV of the same rows: ${size(csv[0].bytes)})`,
    },
    {
      name: `${label} export peak memory`,
      value: summarize(runs.map((run) => run.peakMB)),
      unit: "MB",
      note: `worker VmHWM; the CSV export of the same rows peaked at ` +
        `${median(csv.map((run) => run.peakMB)).toFixed(0)} MB`,
    },
    cpuFigure(`${label} export worker CPU`, runs),
  ];
}

/** The target for the budget report PDF: 5× the 3,766 rows/s the grid took before. */
export const reportTarget = 5 * 3_766;

/**
 * The budget's PDF report (summary, charts, totals, then the lines) beside
 * the plain grid of the same rows (the source budget_grid, which has no
 * report) and beside a CSV export of them, which pays the same request,
 * wake-up, claim, upload and completion but no layout: the floor of an
 * export's time. The three take turns run by run.
 */
export async function measureReport(
  context: ExportContext,
  config: BenchConfig,
  user: ExportUsers["large"],
  expectedRows: number,
): Promise<Figure[]> {
  const request: ExportRequest = {
    source: "budget",
    format: "pdf",
    compression: "none",
    options: {},
    scope: pdfHousehold,
  };
  // Warmed with a file of no lines from the same source and format: pdfkit,
  // its fonts and the writer load once per worker, not once per export, and
  // so are left out of every side. The PDF figure of the exports group keeps
  // them in.
  const warmed = (side: ExportRequest) => ({
    client: user.client,
    request: { ...side, options: { from: "1999-01-01", to: "1999-01-01" } },
  });
  const sides = {
    grid: { ...request, source: "budget_grid" },
    report: request,
    csv: { ...request, format: "csv" as const },
  };
  const runs: Record<keyof typeof sides, ExportRun[]> = { grid: [], report: [], csv: [] };
  for (let run = 1; run <= config.runs; run++) {
    for (
      const [side, sideRequest] of Object.entries(sides) as [keyof typeof sides, ExportRequest][]
    ) {
      runs[side].push(
        await measuredExport(context, user.client, sideRequest, warmed(sideRequest)),
      );
      console.error(`    ${side} ${run}/${config.runs}: ${describeRun(runs[side].at(-1)!)}`);
    }
  }
  for (const [side, list] of Object.entries(runs)) {
    if (list[0].rows !== expectedRows) {
      throw new Error(`the ${side} export held ${list[0].rows} rows, not ${expectedRows}`);
    }
  }
  const rate = (run: ExportRun) => run.rows / run.seconds;
  const cpu = (list: ExportRun[]) => median(list.map((run) => run.workerCpuSeconds));
  const report = runs.report;
  return [
    {
      name: "PDF report export at its cap",
      value: summarize(report.map(rate)),
      unit: "rows/s",
      baseline: { name: "PDF grid", value: summarize(runs.grid.map(rate)) },
      ratio: median(report.map(rate)) / median(runs.grid.map(rate)),
      target: { on: "median", kind: "at least", bound: reportTarget },
      note: `${count(report[0].rows)} budget line items with the budget's report, ` +
        `${size(report[0].bytes)} file (the grid of the same rows: ${size(runs.grid[0].bytes)}); ` +
        `request to claim ${ms(median(report.map((run) => run.queuedSeconds)))}, claim to ` +
        `completion ${ms(median(report.map((run) => run.runningSeconds)))} (medians); each ` +
        `worker warmed with an empty file of its source and format, so loading pdfkit is not timed`,
    },
    {
      name: "PDF report export worker CPU",
      value: summarize(report.map((run) => run.workerCpuSeconds)),
      unit: "s",
      baseline: {
        name: "PDF grid",
        value: summarize(runs.grid.map((run) => run.workerCpuSeconds)),
      },
      ratio: cpu(runs.grid) / cpu(report),
      note: "user + system time of the worker process; the ratio is the grid's CPU over the " +
        `report's, so above 1 is less CPU; the CSV of the same rows took ${
          cpu(runs.csv).toFixed(2)
        } s`,
    },
    {
      name: "CSV export of the report's rows",
      value: summarize(runs.csv.map(rate)),
      unit: "rows/s",
      baseline: { name: "PDF report", value: summarize(report.map(rate)) },
      ratio: median(runs.csv.map(rate)) / median(report.map(rate)),
      note: "the same request, wake-up, claim, upload and completion without a layout: the " +
        `floor under the report's figure; request to claim ${
          ms(median(runs.csv.map((run) => run.queuedSeconds)))
        }, claim to completion ${ms(median(runs.csv.map((run) => run.runningSeconds)))}`,
    },
  ];
}

/** Measures every export figure; the order keeps each worker peak separate. */
export async function measureExports(
  context: ExportContext,
  config: BenchConfig,
  users: ExportUsers,
  dataset: Dataset,
): Promise<Figure[]> {
  const smallRuns: ExportRun[] = [];
  for (
    const request of [
      conversations("csv", "none"),
      conversations("jsonl", "none"),
      conversations("csv", "gzip"),
    ]
  ) {
    const label = `small ${request.format}${request.compression === "gzip" ? " gzip" : ""}`;
    smallRuns.push(...await exportRuns(context, config, users.small.client, request, label));
  }

  const csv = await againstCopy(
    context,
    config,
    users.large,
    "CSV export",
    conversations("csv", "none"),
  );
  const jsonl = await againstCopy(
    context,
    config,
    users.large,
    "JSONL export",
    conversations("jsonl", "none"),
  );
  const gzipRuns = await exportRuns(
    context,
    config,
    users.large.client,
    conversations("csv", "gzip"),
    "gzip CSV export",
  );
  const gzipSeconds = gzipRuns.map((run) => run.seconds);
  const csvSeconds = csv.runs.map((run) => run.seconds);
  const saved = 1 - gzipRuns[0].bytes / csv.runs[0].bytes;
  const gzip: Figure = {
    name: "gzip CSV export",
    value: summarize(gzipSeconds),
    unit: "s",
    baseline: { name: "CSV export", value: summarize(csvSeconds) },
    ratio: throughputRatio(median(gzipSeconds), median(csvSeconds)),
    note: `${size(gzipRuns[0].bytes)} instead of ${size(csv.runs[0].bytes)}: ` +
      `${(saved * 100).toFixed(0)} % saved`,
  };

  const largeRuns = [...csv.runs, ...jsonl.runs, ...gzipRuns];
  const smallPeak = median(smallRuns.map((run) => run.peakMB));
  const largePeak = median(largeRuns.map((run) => run.peakMB));
  const growth = (largePeak / smallPeak - 1) * 100;
  const memory = [
    memoryFigure(
      `worker peak memory, small (${count(smallRuns[0].rows)} rows)`,
      smallRuns,
      "worker VmHWM from /proc, a fresh worker process for every run; CSV, JSONL and gzip CSV runs",
    ),
    memoryFigure(
      `worker peak memory, large (${count(csv.runs[0].rows)} rows)`,
      largeRuns,
      `the same exports at the large size: ${growth >= 0 ? "+" : ""}${growth.toFixed(1)} % ` +
        `over the small size (target: growth < 20 %)${growth < 20 ? "" : " **missed**"}`,
    ),
  ];

  const xlsx = await atCap(context, config, users.large, "xlsx", xlsxHousehold, dataset.xlsxRows);
  const pdf = await atCap(context, config, users.large, "pdf", pdfHousehold, dataset.pdfRows);
  const cpu = [
    cpuFigure("CSV export worker CPU", csv.runs),
    cpuFigure("JSONL export worker CPU", jsonl.runs),
    cpuFigure("gzip CSV export worker CPU", gzipRuns),
  ];
  return [csv.figure, jsonl.figure, gzip, ...memory, ...cpu, ...xlsx, ...pdf];
}
