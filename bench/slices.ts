// The sliced exports' benchmark, which bench/slices starts on a stack of its
// own: seeds `readings` (bench/seed/readings.sql), then exports them as CSV
// under the `unlimited` and the `free` profile in turns (the gateway restarted
// with each), and as XLSX under `free`; prints and writes
// bench/results/slices.md. What a slice costs the worker is read from /proc:
// the CPU every worker process has used, sampled each time the export's
// checkpoint counts one more slice.
import postgres from "postgres";
import { cpuSeconds } from "./process_cpu.ts";
import { countedMemoryPeak, residentMemory } from "./process_memory.ts";
import { describeMachine, renderMachine } from "./machine.ts";
import { durabilityNote, setDurability } from "./durability.ts";
import { runSqlFile } from "./psql.ts";
import { claimsOf, serviceSql, stackFromEnv, userClient } from "./stack.ts";
import { summarize } from "./stats.ts";
import { timeSeconds } from "./timing.ts";
import { describeProfile, resolveProfile } from "../local-stack/gateway/profiles.ts";

const usage = `usage: bench/slices [--csv-rows N] [--xlsx-rows N] [--runs N] [--skip-xlsx]
  --csv-rows N    rows of the CSV export (default 10000000)
  --xlsx-rows N   rows of the XLSX export (default 3000000)
  --runs N        CSV exports under each profile, taking turns (default 1)
  --skip-xlsx     only the CSV figures`;

interface Options {
  csvRows: number;
  xlsxRows: number;
  runs: number;
  xlsx: boolean;
}

function parseOptions(args: string[]): Options {
  const options: Options = { csvRows: 10_000_000, xlsxRows: 3_000_000, runs: 1, xlsx: true };
  for (let i = 0; i < args.length; i++) {
    const number = () => {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < 1) throw new Error(`${args[i - 1]} needs a count`);
      return value;
    };
    switch (args[i]) {
      case "--csv-rows":
        options.csvRows = number();
        break;
      case "--xlsx-rows":
        options.xlsxRows = number();
        break;
      case "--runs":
        options.runs = number();
        break;
      case "--skip-xlsx":
        options.xlsx = false;
        break;
      case "-h":
      case "--help":
        console.log(usage);
        Deno.exit(0);
        break;
      default:
        throw new Error(`unknown option ${args[i]}\n${usage}`);
    }
  }
  return options;
}

/** The user whose readings are exported (bench/seed/readings.sql). */
const readingsUser = "00000000-0000-4000-8000-00000000be10";

/** What one export measured. */
interface SlicedRun {
  profile: string;
  format: string;
  rows: number;
  seconds: number;
  slices: number;
  /** Worker CPU of each slice, seconds, instances' start-up left out (the first includes the staging's share). */
  sliceCpu: number[];
  /** The largest VmHWM of any worker process that ran a slice, MB. */
  peakMB: number;
  /** The highest peak of what the edge runtime counts (V8's used heap plus external memory), MB. */
  countedPeakMB: number;
  /** Worker processes (instances) the export went through. */
  instances: number;
  parts: number[];
  /** XLSX: each part's zip checked (unzip -t) and the data rows of each of its sheets. */
  workbooks?: { valid: boolean; sheetRows: number[] }[];
  /** Seconds from the first claim until the checkpoint existed (the staging), sampled every 20 ms. */
  stagingSeconds: number | null;
}

const log = (message: string) => console.error(`==> ${message}`);

const workerCommand = /function_bootstrap\.ts \d+ file:\S*\/functions\/exports-worker\/index\.ts/;

/** Every live worker process of the stack's gateway. */
async function workerPids(): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = (await Deno.readTextFile(`/proc/${entry.name}/cmdline`)).replaceAll(
        "\0",
        " ",
      );
      if (!workerCommand.test(cmdline)) continue;
      const environ = await Deno.readTextFile(`/proc/${entry.name}/environ`);
      if (environ.includes(`SUPABASE_URL=${stack.apiUrl}\0`)) pids.push(Number(entry.name));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

/** Restarts the gateway under `profile`: its functions start afresh with that profile's limits. */
async function gatewayUnder(profile: string): Promise<void> {
  const env = { ...Deno.env.toObject(), EXPORTS_PROFILE: profile };
  for (const script of ["scripts/gateway-stop", "scripts/gateway-start"]) {
    const done = await new Deno.Command(script, { env, stdout: "null" }).output();
    if (!done.success) throw new Error(`${script} failed`);
  }
}

/**
 * Requests an export of the readings as their owner and follows it to its end, sampling every
 * worker process's CPU and peak memory every 20 ms and at each slice the checkpoint counts.
 */
async function measureExport(
  profile: string,
  format: "csv" | "xlsx",
  rows: number,
): Promise<SlicedRun> {
  const client = await userClient(stack, claimsOf(readingsUser));
  // CPU since each process was first seen: an instance's start-up (Deno reading and compiling
  // the worker's modules, which a hosted function loads prepared) is not counted, as the
  // function host does not count it against the instance's limits.
  const cpu = new Map<number, number>();
  const startup = new Map<number, number>();
  const peaks = new Map<number, number>();
  const countedPeaks = new Map<number, number>();
  const sample = async () => {
    for (const pid of await workerPids()) {
      try {
        const [seconds, memory, counted] = await Promise.all([
          cpuSeconds(pid),
          residentMemory(pid),
          countedMemoryPeak(localDir!, pid),
        ]);
        if (!startup.has(pid)) startup.set(pid, seconds);
        cpu.set(pid, seconds - startup.get(pid)!);
        peaks.set(pid, Math.max(peaks.get(pid) ?? 0, memory.peakMB));
        countedPeaks.set(pid, Math.max(countedPeaks.get(pid) ?? 0, counted ?? 0));
      } catch {
        // Exited: its last sample stands.
      }
    }
    return [...cpu.values()].reduce((sum, seconds) => sum + seconds, 0);
  };
  const startCpu = await sample();
  const started = performance.now();
  const { data, error } = await client.functions.invoke("exports", {
    body: { source: "bench_readings", format, options: { rows } },
  });
  if (error) throw new Error(`the request failed: ${await error.context?.text?.() ?? error}`);
  const exportId = (data as { export_id: string }).export_id;
  const boundaries = [startCpu];
  let slices = 0;
  let status = "queued";
  // The staging runs from the first claim until the checkpoint exists.
  let claimedAt: number | null = null;
  let stagedAt: number | null = null;
  while (status === "queued" || status === "processing") {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const total = await sample();
    const [row] = await sql<{ status: string; slices: number | null; staged: boolean }[]>`
      select e.status, c.slices_done as slices, c.export_id is not null as staged
      from exports.exports e left join exports.export_checkpoints c using (export_id)
      where e.export_id = ${exportId}`;
    status = row.status;
    if (claimedAt === null && status !== "queued") claimedAt = performance.now();
    if (stagedAt === null && row.staged) stagedAt = performance.now();
    const done = row.slices ?? 0;
    while (slices < done) {
      slices++;
      boundaries.push(total);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (status !== "completed") {
    const [row] =
      await sql`select failure_code, error from exports.exports where export_id = ${exportId}`;
    throw new Error(`the ${format} export ended ${status}: ${JSON.stringify(row)}`);
  }
  const parts = await sql<{ size: string; storage_path: string }[]>`
    select size, storage_path from exports.export_parts where export_id = ${exportId} order by part`;
  const workbooks = format === "xlsx"
    ? await Promise.all(parts.map((part) => checkWorkbook(part.storage_path)))
    : undefined;
  const [counted] = await sql<{ rows: string }[]>`
    select row_count as rows from exports.exports where export_id = ${exportId}`;
  return {
    profile,
    format,
    rows: Number(counted.rows),
    seconds,
    slices: boundaries.length - 1,
    sliceCpu: boundaries.slice(1).map((total, i) => total - boundaries[i]),
    peakMB: Math.max(0, ...peaks.values()),
    countedPeakMB: Math.max(0, ...countedPeaks.values()),
    instances: peaks.size,
    parts: parts.map((part) => Number(part.size)),
    workbooks,
    stagingSeconds: claimedAt !== null && stagedAt !== null ? (stagedAt - claimedAt) / 1000 : null,
  };
}

/**
 * Checks a stored workbook with Info-ZIP, an independent reader: `unzip -t` tests every entry's
 * CRC, and each sheet's rows are counted in its XML (less its header row).
 */
async function checkWorkbook(path: string): Promise<{ valid: boolean; sheetRows: number[] }> {
  const file = `${localDir}/storage/exports/${path}`;
  const run = async (command: string) => {
    const output = await new Deno.Command("sh", { args: ["-c", command], stdout: "piped" })
      .output();
    return { ok: output.success, text: new TextDecoder().decode(output.stdout) };
  };
  const valid = (await run(`unzip -tq '${file}'`)).ok;
  const sheets = (await run(`unzip -Z1 '${file}'`)).text.split("\n")
    .filter((name) => /^xl\/worksheets\/sheet\d+\.xml$/.test(name))
    .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
  const sheetRows: number[] = [];
  for (const sheet of sheets) {
    const counted = await run(`unzip -p '${file}' '${sheet}' | grep -o '<row ' | wc -l`);
    sheetRows.push(Number(counted.text.trim()) - 1);
  }
  return { valid, sheetRows };
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

function renderRuns(runs: SlicedRun[]): string {
  const lines = [
    "| profile | format | rows | time | slices | first slice CPU | CPU a slice, median | CPU a slice, max | peak memory | added by slices | counted peak | instances | parts | largest part | staging |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const run of runs) {
    // The first slice also stages the rows and runs in an instance still loading its modules.
    const cpu = summarize(run.sliceCpu.length > 1 ? run.sliceCpu.slice(1) : run.sliceCpu);
    lines.push(
      `| ${run.profile} | ${run.format} | ${run.rows.toLocaleString("en-US")} | ` +
        `${run.seconds.toFixed(1)} s | ${run.slices} | ${
          (run.sliceCpu[0] * 1000).toFixed(0)
        } ms | ` +
        `${(cpu.median * 1000).toFixed(0)} ms | ` +
        `${(cpu.max * 1000).toFixed(0)} ms | ${run.peakMB.toFixed(0)} MB | ` +
        `${(run.peakMB - idleMB).toFixed(0)} MB | ${run.countedPeakMB.toFixed(0)} MB | ` +
        `${run.instances} | ` +
        `${run.parts.length} | ${mb(Math.max(0, ...run.parts))} MB | ` +
        `${run.stagingSeconds === null ? "" : `${run.stagingSeconds.toFixed(1)} s`} |`,
    );
  }
  return lines.join("\n");
}

const options = (() => {
  try {
    return parseOptions(Deno.args);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(2);
  }
})();
const stack = stackFromEnv();
const localDir = Deno.env.get("EXPORTS_LOCAL_DIR");
if (!localDir) throw new Error("EXPORTS_LOCAL_DIR is not set: run the benchmark with bench/slices");
const sql: postgres.Sql = serviceSql(stack);
const machine = await describeMachine();
const results = new URL("./results/", import.meta.url);
await Deno.mkdir(results, { recursive: true });

log(`seeding ${options.csvRows.toLocaleString("en-US")} readings for each of two users`);
await setDurability(sql, false);
const seedSeconds = await timeSeconds(() =>
  runSqlFile(stack.dbUrl, new URL("./seed/readings.sql", import.meta.url).pathname, {
    readings: Math.max(options.csvRows, options.xlsxRows),
  })
);
await sql`update exports.settings set storage_quota_bytes = 1000000000000`;
log(`seeded in ${seedSeconds.toFixed(0)} s`);
await setDurability(sql, true);

/**
 * The peak resident set of a worker instance woken with nothing to do: what an instance holds
 * before any slice, under the free profile.
 */
async function idleWorkerMB(): Promise<number> {
  await gatewayUnder("free");
  const woken = await fetch(`${stack.apiUrl}/functions/v1/exports-worker`, {
    method: "POST",
    headers: { Authorization: `Bearer ${Deno.env.get("SUPABASE_SERVICE_ROLE_KEY")}` },
  });
  await woken.body?.cancel();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const [pid] = await workerPids();
  if (pid === undefined) throw new Error("the woken worker is not running");
  return (await residentMemory(pid)).peakMB;
}

const idleMB = await idleWorkerMB();
log(`an idle worker instance holds ${idleMB.toFixed(0)} MB`);
const runs: SlicedRun[] = [];
const report = async (final: boolean) => {
  const csv = runs.filter((run) => run.format === "csv");
  const median = (profile: string) =>
    summarize(csv.filter((run) => run.profile === profile).map((run) => run.seconds)).median;
  const ratio = csv.some((run) => run.profile === "free") &&
      csv.some((run) => run.profile === "unlimited")
    ? `- CSV end to end, free against unlimited: ${
      (median("unlimited") / median("free")).toFixed(2)
    }×` +
      " (the unlimited export's time over the free one's; ≥ 0.7× is the target)"
    : "";
  const text = [
    renderMachine(machine),
    `- profiles: ${describeProfile(resolveProfile("free"))}; ${
      describeProfile(resolveProfile("unlimited"))
    }`,
    durabilityNote,
    `- command: \`bench/slices ${Deno.args.join(" ")}\``,
    `- seed: ${seedSeconds.toFixed(0)} s for ${
      (2 * Math.max(options.csvRows, options.xlsxRows)).toLocaleString("en-US")
    } readings (generate_series, primary key built after)`,
    ratio,
    `- an idle worker instance (woken with nothing to do, free profile): ${idleMB.toFixed(0)} MB ` +
    'peak resident set; "added by slices" is the peak above it; "counted peak" is the highest ' +
    "peak of what the edge runtime counts against the memory limit (V8's used heap plus external " +
    "memory), as each instance reports it",
    "",
    renderRuns(runs),
    "",
    ...runs.filter((run) => run.workbooks).map((run) =>
      `- the ${
        run.rows.toLocaleString("en-US")
      }-row XLSX export's workbooks (unzip -t, data rows ` +
      `a sheet): ${
        run.workbooks!.map((book, i) =>
          `part ${i + 1} ${book.valid ? "valid" : "INVALID"}, ` +
          book.sheetRows.map((rows) => rows.toLocaleString("en-US")).join(" + ")
        ).join("; ")
      }`
    ),
    "",
  ].filter((line) => line !== null).join("\n");
  await Deno.writeTextFile(new URL("slices.md", results), text);
  if (final) console.log(text);
};

try {
  for (let run = 0; run < options.runs; run++) {
    for (const profile of run % 2 === 0 ? ["unlimited", "free"] : ["free", "unlimited"]) {
      log(`CSV export under ${profile} (run ${run + 1} of ${options.runs})`);
      await gatewayUnder(profile);
      runs.push(await measureExport(profile, "csv", options.csvRows));
      await report(false);
    }
  }
  if (options.xlsx) {
    log("XLSX export under free");
    await gatewayUnder("free");
    runs.push(await measureExport("free", "xlsx", options.xlsxRows));
  }
  await report(true);
} finally {
  await sql.end();
}
