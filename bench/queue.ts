// The queue figure: how many empty exports per second workers claim and
// complete through the worker's own claim loop (functions/_shared/worker/claim_loop.ts)
// and the real SQL functions (exports.claim_exports, exports.complete_exports)
// over postgres.js, with 1 and with 4 workers.
import postgres from "postgres";
import { claimAndRun, defaultConcurrency } from "../functions/_shared/worker/claim_loop.ts";
import { workerConnections, workerDb } from "../functions/_shared/files/db_client.ts";
import { completeExport } from "../functions/_shared/worker/queue.ts";
import type { BenchConfig } from "./config.ts";
import type { Figure } from "./figure.ts";
import { runSqlFile } from "./psql.ts";
import { serviceSql, type Stack } from "./stack.ts";
import { summarize } from "./stats.ts";
import { sample, timeSeconds } from "./timing.ts";

/** SHA-256 of zero bytes: the checksum of an empty file. */
const emptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/**
 * Runs the worker's claim loop until the queue is empty; each export "runs" by
 * being completed at once, as an export with no rows would.
 */
async function drainQueue(sql: postgres.Sql, workerId: string): Promise<number> {
  const settings = {
    workerId,
    leaseSeconds: 120,
    budgetMs: 3_600_000,
    concurrency: defaultConcurrency,
  };
  const outcomes = await claimAndRun(sql, settings, async (claim, release) => {
    // No file to build: the slot is free at once and only the completion is
    // left, as for a real export once its file is stored.
    release();
    const done = await completeExport(sql, claim.export_id, workerId, {
      fileSize: 0,
      sha256: emptySha256,
      rowCount: 0,
    });
    if (!done) throw new Error(`complete_export refused ${claim.export_id}`);
    return "completed";
  });
  return Object.values(outcomes).filter((outcome) => outcome === "completed").length;
}

async function queueSample(
  stack: Stack,
  config: BenchConfig,
  workers: number,
): Promise<number> {
  // Each run starts where autovacuum leaves the table (the module has it run
  // after a thousand dead rows), not with the dead claim-index entries of the
  // runs before it: runs follow each other faster than autovacuum wakes, and
  // the later runs would read past the claims of the earlier.
  await vacuum(stack, "exports.exports");
  await runSqlFile(stack.dbUrl, new URL("./seed/queue.sql", import.meta.url).pathname, {
    queue_exports: config.queueExports,
    export_users: config.exportUsers,
  });
  // A client each, as separate worker instances have, with the worker's own
  // connections (functions/exports-worker/index.ts).
  const pools = Array.from(
    { length: workers },
    () => workerDb(stack.dbUrl, { max: workerConnections(defaultConcurrency) }).sql,
  );
  try {
    await Promise.all(pools.map((sql) => sql`select 1`));
    let completed = 0;
    const seconds = await timeSeconds(async () => {
      const counts = await Promise.all(
        pools.map((sql, index) => drainQueue(sql, `bench-queue-${index}`)),
      );
      completed = counts.reduce((sum, count) => sum + count, 0);
    });
    if (completed !== config.queueExports) {
      throw new Error(`workers completed ${completed} exports, expected ${config.queueExports}`);
    }
    return completed / seconds;
  } finally {
    await Promise.all(pools.map((sql) => sql.end()));
    // The batch leaves no trace for the figures after it: no rows in the
    // table the RPC figures read, and no files for the worker to purge while
    // they run (deleting a started export lists its path in orphaned_files,
    // and the worker would be removing those from Storage through every RPC
    // figure). These exports never stored a file.
    const admin = serviceSql(stack, 1);
    const gone = await admin`
      delete from exports.exports where file_name like 'queue-%.csv' returning export_id`;
    await admin`delete from exports.orphaned_files
                where export_id = any (${gone.map((row) => row.export_id)}::uuid[])`;
    await admin.end();
  }
}

/** VACUUM of `tables` (trusted names, comma-separated). */
async function vacuum(stack: Stack, tables: string): Promise<void> {
  const sql = serviceSql(stack, 1);
  try {
    await sql.unsafe(`vacuum ${tables}`);
  } finally {
    await sql.end();
  }
}

/** The triggers that broadcast each export's changes to Realtime. */
const broadcastTriggers = ["_500_broadcast_changes_on_insert", "_500_broadcast_changes_on_update"];

/** Runs `work` with the broadcast triggers off, for the baseline of what they cost. */
async function withoutBroadcasts<T>(stack: Stack, work: () => Promise<T>): Promise<T> {
  const sql = serviceSql(stack, 1);
  const toggle = (action: "disable" | "enable") =>
    sql.unsafe(
      `alter table exports.exports ${
        broadcastTriggers.map((name) => `${action} trigger ${name}`).join(", ")
      }`,
    );
  try {
    await toggle("disable");
    return await work();
  } finally {
    await toggle("enable");
    await sql.end();
  }
}

/**
 * Measures claim + complete throughput with 1 and 4 concurrent workers, and
 * with 1 worker again without the Realtime broadcasts, run by run in turn, as
 * the baseline of what broadcasting costs the queue. Must run while no real
 * worker is awake, or it would claim part of each batch.
 */
export async function measureQueue(stack: Stack, config: BenchConfig): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const workers of [1, 4]) {
    const rates: number[] = [];
    const silent: number[] = [];
    await sample(config.runs, async () => {
      rates.push(await queueSample(stack, config, workers));
      if (workers === 1) {
        silent.push(await withoutBroadcasts(stack, () => queueSample(stack, config, workers)));
      }
    });
    const baseline = silent.length > 0 ? summarize(silent) : undefined;
    figures.push({
      name: `queue, ${workers} worker${workers === 1 ? "" : "s"}`,
      value: summarize(rates),
      unit: "exports/s",
      ...(baseline
        ? {
          baseline: { name: "without broadcasts", value: baseline },
          ratio: summarize(rates).median / baseline.median,
        }
        : {}),
      target: { on: "median", kind: "at least", bound: 2000 },
      note: `${config.queueExports.toLocaleString("en-US")} empty exports through the worker's ` +
        `claim loop (up to ${defaultConcurrency} exports a claim_exports call, the worker's ` +
        "default concurrency), completed through completeExport (the ones finished in the same " +
        "event-loop turn in one complete_exports call, the slot given back before it commits), " +
        `the worker's ${workerConnections(defaultConcurrency)} connections a worker, each run ` +
        "from a vacuumed table" +
        (baseline
          ? "; the baseline runs in turn with the Realtime broadcast triggers off (the " +
            "broadcasts include the local stack's NOTIFY a message, which hosted does not send)"
          : ""),
    });
  }
  // Nor any garbage: the batches leave dead exports rows (claimed, completed,
  // deleted) and many times updated usage rows, which autovacuum would
  // otherwise clean, indexes and all, during the RPC figures that come next.
  await vacuum(stack, "exports.exports, exports.usage, exports.orphaned_files");
  return figures;
}
