// The figures of an export running beside a long one, with the worker's 4
// slots: how soon a small export requested meanwhile starts (request to
// claim, p95), and how soon a cancel ends the long export's statement.
import type postgres from "postgres";
import type { SupabaseClient } from "@supabase/supabase-js";
import type { BenchConfig } from "./config.ts";
import type { Figure } from "./figure.ts";
import { settleQueue } from "./queue_idle.ts";
import { claimsOf, otherUserId, type Stack, userClient } from "./stack.ts";
import { percentile, summarize } from "./stats.ts";
import { sample } from "./timing.ts";
import { registerSlowRows } from "../tests/support/slow_rows.ts";

/** The source whose rows take a tenth of a second each (sleep_ms), while they are staged. */
const slowSource = "bench_slow_rows";

/**
 * The most small exports a run requests, spread over the long export's first
 * 80 %; a short long export (the smoke run's) has room for fewer.
 */
const smallPerRun = 32;

/** Registers the slow source on the bench stack (idempotent). */
async function registerSlowSource(sql: postgres.Sql): Promise<void> {
  await registerSlowRows(sql, { schema: "bench_sources", source: slowSource });
}

async function requestSlow(client: SupabaseClient, rows: number, sleepMs: number) {
  const { data, error } = await client.rpc("request_export", {
    source: slowSource,
    format: "csv",
    options: { rows, sleep_ms: sleepMs },
  });
  if (error) throw new Error(`request_export refused the bench's export: ${error.message}`);
  return (data as { export_id: string }).export_id;
}

/** Polls `check` every `everyMs` until it gives a value; throws after `timeoutMs`. */
async function poll<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { everyMs = 5, timeoutMs = 60_000 } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * The backend staging the slow source's rows, if one runs, and when its statement started: the
 * worker's pooled connections go on to stage other exports, so the statement is told by both.
 */
async function slowCopyBackend(
  sql: postgres.Sql,
): Promise<{ pid: number; since: Date } | undefined> {
  const [row] = await sql<{ pid: number; since: Date }[]>`
    select pid, query_start as since from pg_stat_activity
    where state = 'active' and query ilike '%exports.stage_export%' limit 1`;
  return row;
}

/** One run: a long export, small ones requested beside it, then the long one canceled. */
async function oneRun(
  sql: postgres.Sql,
  config: BenchConfig,
  long: SupabaseClient,
  small: SupabaseClient,
): Promise<{ startP95Ms: number; cancelMs: number; samples: number }> {
  await settleQueue(sql, "the long export");
  const longId = await requestSlow(long, config.longExportSeconds * 10, 100);
  const backend = await poll("the long export's staging to run", () => slowCopyBackend(sql));
  const startedAt = performance.now();
  const windowMs = config.longExportSeconds * 1000 * 0.8;
  const intervalMs = windowMs / smallPerRun;

  const startMs: number[] = [];
  for (let k = 0; k < smallPerRun && performance.now() - startedAt < windowMs; k++) {
    const wait = startedAt + k * intervalMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const smallId = await requestSlow(small, 1, 0);
    const { status, waitedMs } = await poll("a small export to finish", async () => {
      const [row] = await sql<{ status: string; waited_ms: number | null }[]>`
        select status,
               (extract(epoch from started_at - requested_at) * 1000)::float8 as waited_ms
        from exports.exports where export_id = ${smallId}`;
      return ["queued", "processing"].includes(row.status)
        ? undefined
        : { status: row.status, waitedMs: row.waited_ms };
    }, { everyMs: 20 });
    if (status !== "completed" || waitedMs === null) {
      throw new Error(`a small export beside the long one ended ${status}`);
    }
    startMs.push(waitedMs);
  }
  const [{ status: longStatus }] = await sql<{ status: string }[]>`
    select status from exports.exports where export_id = ${longId}`;
  if (longStatus !== "processing") {
    throw new Error(`the long export was ${longStatus} before the small ones were done`);
  }

  const canceledAt = performance.now();
  const { error } = await long.rpc("cancel_export", { export_id: longId });
  if (error) throw new Error(`cancel_export failed: ${error.message}`);
  await poll("the canceled export's statement to end", async () => {
    const [row] = await sql`
      select 1 from pg_stat_activity
      where pid = ${backend.pid} and state = 'active' and query_start = ${backend.since}`;
    return row ? undefined : true;
  }, { everyMs: 2 });
  const cancelMs = performance.now() - canceledAt;
  return { startP95Ms: percentile(startMs, 0.95), cancelMs, samples: startMs.length };
}

/** Measures the small export's start and the cancel beside a long export, `config.runs` times. */
export async function measureBesideLongExport(
  stack: Stack,
  config: BenchConfig,
  sql: postgres.Sql,
): Promise<Figure[]> {
  await registerSlowSource(sql);
  const long = await userClient(stack, claimsOf(otherUserId(1)));
  const small = await userClient(stack, claimsOf(otherUserId(2)));
  const runs = await sample(config.runs, () => oneRun(sql, config, long, small));
  const setting = `the worker's 4 slots, one ${config.longExportSeconds} s export ` +
    "(a source sleeping 0.1 s a row while it is staged) running";
  return [
    {
      name: "small export start beside a long one p95",
      value: summarize(runs.map((run) => run.startP95Ms)),
      unit: "ms",
      target: { on: "median", kind: "below", bound: 1_000 },
      note: `${setting}; ${runs[0].samples} one-row exports a run, requested one after ` +
        "another over its first 80 % through supabase-js; started_at - requested_at",
    },
    {
      name: "cancel to end of statement",
      value: summarize(runs.map((run) => run.cancelMs)),
      unit: "ms",
      target: { on: "median", kind: "below", bound: 1_000 },
      note: `${setting}; from the cancel_export call to its staging gone from ` +
        "pg_stat_activity (polled every 2 ms)",
    },
  ];
}
