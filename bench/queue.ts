// The queue figure: how many empty exports per second workers claim and
// complete through the real SQL functions (exports.claim_exports and
// exports.complete_export) over postgres.js, with 1 and with 4 workers.
import postgres from "postgres";
import type { BenchConfig } from "./config.ts";
import type { Figure } from "./figure.ts";
import { runSqlFile } from "./psql.ts";
import { type Stack } from "./stack.ts";
import { summarize } from "./stats.ts";
import { sample, timeSeconds } from "./timing.ts";

/** SHA-256 of zero bytes: the checksum of an empty file. */
const emptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** Claims one export at a time and completes it, until the queue is empty. */
async function drainQueue(sql: postgres.Sql, workerId: string): Promise<number> {
  let completed = 0;
  for (;;) {
    const claimed = await sql<{ export_id: string }[]>`
      select export_id from exports.claim_exports(worker_id => ${workerId}, max_exports => 1)`;
    if (claimed.length === 0) return completed;
    const [{ done }] = await sql`
      select exports.complete_export(
        export_id => ${claimed[0].export_id}, worker_id => ${workerId}, file_size => 0,
        checksum_sha256 => ${emptySha256}, row_count => 0) as done`;
    if (!done) throw new Error(`complete_export refused ${claimed[0].export_id}`);
    completed++;
  }
}

async function queueSample(
  stack: Stack,
  config: BenchConfig,
  workers: number,
): Promise<number> {
  await runSqlFile(stack.dbUrl, new URL("./seed/queue.sql", import.meta.url).pathname, {
    queue_exports: config.queueExports,
    export_users: config.exportUsers,
  });
  // One connection each, as separate worker instances would have.
  const pools = Array.from({ length: workers }, () => postgres(stack.dbUrl, { max: 1 }));
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
    // The batch leaves no trace in the table the RPC figures read.
    const admin = postgres(stack.dbUrl, { max: 1 });
    await admin`delete from exports.exports where storage_path like 'bench-queue/%'`;
    await admin.end();
  }
}

/**
 * Measures claim + complete throughput with 1 and 4 concurrent workers. Must
 * run while no real worker is awake, or it would claim part of each batch.
 */
export async function measureQueue(stack: Stack, config: BenchConfig): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const workers of [1, 4]) {
    const rates = await sample(config.runs, () => queueSample(stack, config, workers));
    figures.push({
      name: `queue, ${workers} worker${workers === 1 ? "" : "s"}`,
      value: summarize(rates),
      unit: "exports/s",
      target: { on: "median", kind: "at least", bound: 2000 },
      note: `${config.queueExports.toLocaleString("en-US")} empty exports, one claim_exports ` +
        "(max_exports => 1) and one complete_export round trip each, one connection a worker",
    });
  }
  return figures;
}
