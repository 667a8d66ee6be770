// The Parquet figures: the large bench user's trace spans exported as Parquet
// beside a CSV export of the same spans, in the same run, taking turns: the
// worker's peak memory as the edge runtime counts it (target: below 150 MB)
// and as the OS does, the time and the file size.
// Every run goes through the real API and worker, request -> completed file.
import type { BenchConfig } from "./config.ts";
import { type ExportContext, type ExportRun, measuredExport } from "./export_runs.ts";
import type { ExportUsers } from "./export_figures.ts";
import type { Figure } from "./figure.ts";
import { summarize, throughputRatio } from "./stats.ts";

const count = (n: number) => n.toLocaleString("en-US");
const mb = (bytes: number) => (bytes / 1e6).toFixed(bytes < 1e8 ? 1 : 0);
const median = (values: number[]) => summarize(values).median;

/** The run's counted peak, MB; throws when the worker reported none. */
function counted(run: ExportRun): number {
  if (run.countedPeakMB === null) {
    throw new Error(
      "the worker reported no counted memory (local-stack/gateway/function_bootstrap.ts)",
    );
  }
  return run.countedPeakMB;
}

/** Measures Parquet against CSV on the large user's trace spans. */
export async function measureTraces(
  context: ExportContext,
  config: BenchConfig,
  user: ExportUsers["large"],
): Promise<Figure[]> {
  const parquet: ExportRun[] = [];
  const csv: ExportRun[] = [];
  // Turns, so a slow spell of the shared machine lands on both sides.
  for (let run = 1; run <= config.runs; run++) {
    for (const [format, runs] of [["csv", csv], ["parquet", parquet]] as const) {
      runs.push(
        await measuredExport(context, user.client, {
          source: "traces",
          format,
          compression: "none",
          options: {},
        }),
      );
      const last = runs.at(-1)!;
      console.error(
        `    traces ${format} ${run}/${config.runs}: export ${last.seconds.toFixed(2)} s, ` +
          `worker peak ${last.peakMB.toFixed(0)} MB (${counted(last).toFixed(0)} MB counted), ` +
          `worker CPU ${last.workerCpuSeconds.toFixed(2)} s`,
      );
    }
  }
  if (parquet[0].rows !== config.traceSpans) {
    throw new Error(`the parquet export held ${parquet[0].rows} spans, not ${config.traceSpans}`);
  }
  const peak = (runs: ExportRun[]) => median(runs.map((run) => run.peakMB));
  const seconds = (runs: ExportRun[]) => runs.map((run) => run.seconds);
  const cpu = (runs: ExportRun[]) => median(runs.map((run) => run.workerCpuSeconds));
  const countedPeaks = (runs: ExportRun[]) => runs.map(counted);
  return [
    {
      name: `Parquet export peak memory (${count(parquet[0].rows)} trace spans)`,
      value: summarize(countedPeaks(parquet)),
      unit: "MB",
      baseline: { name: "CSV export", value: summarize(countedPeaks(csv)) },
      ratio: median(countedPeaks(parquet)) / median(countedPeaks(csv)),
      target: { on: "median", kind: "below", bound: 150 },
      note: "what the edge runtime counts against a function's memory limit: V8's used heap " +
        "plus external memory, the peak the worker reports (sampled every 20 ms), a fresh " +
        "worker process for every run; ratio: Parquet's peak over the CSV export's",
    },
    {
      name: `Parquet export peak resident set (${count(parquet[0].rows)} trace spans)`,
      value: summarize(parquet.map((run) => run.peakMB)),
      unit: "MB",
      baseline: { name: "CSV export", value: summarize(csv.map((run) => run.peakMB)) },
      ratio: peak(parquet) / peak(csv),
      note: "worker VmHWM from /proc: the counted memory, Deno itself (an idle worker holds " +
        "some 70 MB) and memory the allocator keeps",
    },
    {
      name: `Parquet export (${count(parquet[0].rows)} trace spans)`,
      value: summarize(seconds(parquet)),
      unit: "s",
      baseline: { name: "CSV export", value: summarize(seconds(csv)) },
      ratio: throughputRatio(median(seconds(parquet)), median(seconds(csv))),
      note: `${mb(parquet[0].bytes)} MB Snappy-compressed Parquet against ${mb(csv[0].bytes)} MB ` +
        `of CSV; worker CPU ${cpu(parquet).toFixed(1)} s against ${cpu(csv).toFixed(1)} s`,
    },
  ];
}
