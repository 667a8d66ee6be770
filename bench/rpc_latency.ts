// The RPC latency figures: list_exports and request_export called as a user
// through the real API (supabase-js -> PostgREST RPC on the gateway) with
// the exports table at full size, p50 and p99 per run; plus the plans of the
// statements each function runs, to show that they use the indexes.
import type { SupabaseClient } from "@supabase/supabase-js";
import postgres from "postgres";
import type { BenchConfig } from "./config.ts";
import type { Figure } from "./figure.ts";
import { indexesUsed, nestedPlans } from "./nested_plans.ts";
import { settleQueue } from "./queue_idle.ts";
import { serviceSql, type Stack, userClient } from "./stack.ts";
import { percentile, summarize } from "./stats.ts";
import { sample } from "./timing.ts";

/** One RPC as a client app makes it; resolves when the response is read. */
type Call = (client: SupabaseClient, index: number) => Promise<void>;

/**
 * The latencies (ms) of `calls` sequential calls, taking the callers (clients,
 * users) in turn, after a few warm-up calls.
 */
async function latencies<Caller>(
  callers: readonly Caller[],
  calls: number,
  call: (caller: Caller, index: number) => Promise<unknown>,
): Promise<number[]> {
  for (let warmup = 0; warmup < 5; warmup++) await call(callers[warmup % callers.length], -1);
  const durations: number[] = [];
  for (let index = 0; index < calls; index++) {
    const caller = callers[index % callers.length];
    const start = performance.now();
    await call(caller, index);
    durations.push(performance.now() - start);
  }
  return durations;
}

/** What one RPC's figures need: how to call it and how to explain what it runs. */
export interface RpcBenchmark {
  /** The function's name, as the figures show it. */
  name: string;
  /** One call through supabase-js. */
  call: Call;
  /** The same call as SQL, for the plans. */
  sql: string;
  /**
   * A reference, not a target: the cost of any RPC through this API (the
   * gateway, the JWT, a transaction), so the others can be read against it.
   */
  floor?: boolean;
  /**
   * For a call that queues an export: holds the worker's exports back while
   * a run lasts, for a third figure, the call's own cost through the API.
   */
  holdExports?: HoldExports;
}

/** Runs a sample with the worker's exports held back (the worker paused) until it ends. */
export type HoldExports = <T>(work: () => Promise<T>) => Promise<T>;

/** A call of public function `name` with `args` that throws on any error. */
export function rpcCall(name: string, args: Record<string, unknown>): Call {
  return async (client) => {
    const { error } = await client.rpc(name, args);
    if (error) throw new Error(`${name} failed: ${error.code} ${error.message}`);
  };
}

/** The claims of a user the RPC figures call as. */
export type UserClaims = Record<string, unknown> & { sub: string };

/**
 * Measures p50 and p99 of `benchmark` over `config.rpcCalls` calls per run,
 * the users taking turns, and returns the plans of what it ran (as the first
 * user) with the indexes they use. Every run starts once the worker has
 * finished the exports earlier runs queued (queue_idle.ts).
 */
export async function measureRpc(
  stack: Stack,
  config: BenchConfig,
  users: readonly UserClaims[],
  benchmark: RpcBenchmark,
): Promise<{ figures: Figure[]; plans: string }> {
  const clients = await Promise.all(users.map((claims) => userClient(stack, claims)));
  const service = serviceSql(stack, 1);
  try {
    const runs = await sample(config.runs, async (run) => {
      await settleQueue(service, `${benchmark.name} run ${run + 1}`);
      return await latencies(clients, config.rpcCalls, benchmark.call);
    });
    const inPostgres = await sample(config.runs, async (run) => {
      await settleQueue(service, `${benchmark.name} in Postgres, run ${run + 1}`);
      return await postgresLatencies(stack.dbUrl, users, config.rpcCalls, benchmark.sql);
    });
    const { holdExports } = benchmark;
    const held = holdExports && await sample(config.runs, async (run) => {
      await settleQueue(service, `${benchmark.name} with its exports held back, run ${run + 1}`);
      return await holdExports(() => latencies(clients, config.rpcCalls, benchmark.call));
    });
    await settleQueue(service, `${benchmark.name}'s plans`);
    const measured = await rpcFigures(stack, config, users, benchmark, runs, inPostgres);
    if (held) measured.figures.push(heldFigure(benchmark, held));
    return measured;
  } finally {
    await service.end();
  }
}

/**
 * The p50 of an RPC that queues exports, with the worker paused during each
 * run: the call's own cost through the API, without its exports running on
 * the same CPUs (they run after the run, as they would on a worker elsewhere).
 */
function heldFigure(benchmark: RpcBenchmark, held: number[][]): Figure {
  return {
    name: `${benchmark.name} p50, exports held back`,
    value: percentileOfRuns(held, 0.5),
    unit: "ms",
    note: "the same calls with the worker stopped (SIGSTOP) during each run and let go after " +
      "it: the request's own cost through the API, without the exports it queues running " +
      "beside it on these 2 CPUs",
  };
}

/** Percentile `p` of each run's latencies, summarized over the runs (median, min, max). */
function percentileOfRuns(runs: number[][], p: number) {
  return summarize(runs.map((durations) => percentile(durations, p)));
}

/** The figures of {@link measureRpc} from its samples, and the plans. */
async function rpcFigures(
  stack: Stack,
  config: BenchConfig,
  users: readonly UserClaims[],
  benchmark: RpcBenchmark,
  runs: number[][],
  inPostgres: number[][],
): Promise<{ figures: Figure[]; plans: string }> {
  const plans = await nestedPlans(stack.dbUrl, { claims: users[0] }, benchmark.sql);
  const indexes = indexesUsed(plans);
  const planNote = indexes.length > 0
    ? `plan uses ${indexes.join(", ")} (see the plans below the table)`
    : "**the plan uses no index** (see the plans below the table)";
  const figures: Figure[] = [0.5, 0.99].map((p) => ({
    name: `${benchmark.name} p${Math.round(p * 100)}`,
    value: percentileOfRuns(runs, p),
    unit: "ms",
    target: benchmark.floor
      ? undefined
      : { on: "median", kind: "below", bound: p === 0.5 ? 5 : 20 },
    note: p !== 0.5
      ? undefined
      : benchmark.floor
      ? "the API's floor: an RPC that finds nothing by a unique index, through the same " +
        "gateway, JWT check and transaction as the others"
      : `${config.rpcCalls.toLocaleString("en-US")} sequential calls a run, ` +
        `supabase-js through the gateway's PostgREST RPC; ${planNote}`,
  }));
  figures.push({
    name: `${benchmark.name} p50, in Postgres`,
    value: percentileOfRuns(inPostgres, 0.5),
    unit: "ms",
    note: "the same calls over one postgres.js connection, in PostgREST's transaction " +
      "(role and claims set, the call, commit): the database's share of the figure above",
  });
  return { figures, plans: `-- ${benchmark.name}: ${benchmark.sql}\n${plans}` };
}

/**
 * The latencies (ms) of `calls` sequential transactions on one connection, each
 * as PostgREST runs an RPC: role and claims set locally, the call, commit.
 */
async function postgresLatencies(
  dbUrl: string,
  users: readonly UserClaims[],
  calls: number,
  statement: string,
): Promise<number[]> {
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    return await latencies(users, calls, (claims) =>
      sql.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true),
                        set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
        await tx.unsafe(statement);
      }));
  } finally {
    await sql.end();
  }
}
