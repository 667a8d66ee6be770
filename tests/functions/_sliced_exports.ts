// What the sliced exports' tests share: a source of numbered rows of a chosen
// width, small slices and parts so that a few thousand rows make many of
// each, and a look at an export's checkpoint, parts and uploads.
import { createHash } from "node:crypto";
import { withDb } from "../support/db.ts";
import { stackEnv } from "../support/env.ts";
import type { TestUser } from "../support/users.ts";
import { callExports, pollFor, wakeWorker } from "./_exports_helpers.ts";
import { isRunning, stackWorkerPids } from "./_worker_process.ts";

/** The registered name of the numbered rows' source. */
export const numberedSource = "numbered_rows";

/** The formats the numbered rows export to. */
const numberedFormats = ["csv", "json", "jsonl", "markdown", "html", "xlsx"];

/**
 * Registers `numbered_rows` (idempotent): `rows` rows (option), each its
 * number `n`, a label padded to `width` characters (option) and an amount,
 * all derived from `n`, so two exports of the same options hold the same rows.
 * Row `wide_row` (option) has a label of 200,000 characters.
 */
export async function registerNumberedSource(): Promise<void> {
  await withDb(async (sql) => {
    await sql.unsafe(`
      create schema if not exists exports_tests;
      grant usage on schema exports_tests to authenticated;
      create or replace function exports_tests.numbered_rows(options jsonb)
      returns table (n int, label text, amount numeric)
      language sql stable security invoker set search_path = ''
      as $$
        select g,
               pg_catalog.rpad('row ' || g || ',',
                 case when g = (options ->> 'wide_row')::int then 200000
                   else coalesce((options ->> 'width')::int, 20) end, 'x'),
               (g * 7919 % 100000) / 100.0
        from generate_series(1, coalesce((options ->> 'rows')::int, 10)) g
      $$;
      grant execute on function exports_tests.numbered_rows(jsonb) to authenticated;
    `);
    await sql`select exports.register_source(name => ${numberedSource},
      rows_function => 'exports_tests.numbered_rows(jsonb)', formats => ${numberedFormats},
      option_types => '{"rows": "integer", "width": "integer", "wide_row": "integer"}')`;
  });
}

/**
 * Runs `work` with every format's slices aiming at `bytes` bytes
 * (exports.formats.slice_bytes), then puts the calibrated sizes back.
 */
export async function withSliceBytes<T>(bytes: number, work: () => Promise<T>): Promise<T> {
  const saved = await withDb((sql) =>
    sql<{ name: string; slice_bytes: string | null }[]>`
      select name, slice_bytes from exports.formats`
  );
  await withDb((sql) => sql`update exports.formats set slice_bytes = ${bytes}`);
  try {
    return await work();
  } finally {
    await withDb(async (sql) => {
      for (const { name, slice_bytes } of saved) {
        await sql`update exports.formats set slice_bytes = ${slice_bytes} where name = ${name}`;
      }
    });
  }
}

/** An export's checkpoint row, or null before staging. */
export interface CheckpointRow {
  staging_table: string;
  staged_rows: number;
  rows_per_slice: number;
  next_position: number;
  slices_done: number;
  part: number;
  upload_state: { url: string; offset: number } | null;
}

/** The export's checkpoint, or null. */
export async function checkpointOf(exportId: string): Promise<CheckpointRow | null> {
  return await withDb(async (sql) => {
    const [row] = await sql<CheckpointRow[]>`
      select staging_table, staged_rows::float8 as staged_rows,
             rows_per_slice::float8 as rows_per_slice, next_position::float8 as next_position,
             slices_done, part, upload_state
      from exports.export_checkpoints where export_id = ${exportId}`;
    return row ?? null;
  });
}

/** How many claims the export has had, its slices' included: its attempt number. */
export async function claimsOf(exportId: string): Promise<number> {
  return await withDb(async (sql) => {
    const [{ attempt }] = await sql<{ attempt: number }[]>`
      select attempt from exports.exports where export_id = ${exportId}`;
    return attempt;
  });
}

/** A part as the link route lists it. */
export interface LinkedPart {
  part: number;
  url: string;
  size: number;
  first_row: number;
  last_row: number;
  rows: number;
  sha256: string;
}

/** The export's parts through the link route, each with its downloaded bytes. */
export async function downloadParts(
  user: TestUser,
  exportId: string,
): Promise<(LinkedPart & { bytes: Uint8Array })[]> {
  const link = await callExports(user, `/${exportId}/link`, "POST", {});
  if (link.status !== 200) throw new Error(`no link: ${JSON.stringify(link)}`);
  const parts = link.body.parts as LinkedPart[];
  return await Promise.all(parts.map(async (part) => {
    const response = await fetch(part.url);
    if (!response.ok) throw new Error(`part ${part.part}: ${response.status}`);
    return { ...part, bytes: await response.bytes() };
  }));
}

/** Hex SHA-256 of `bytes`. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Whether Storage holds an unfinished upload at `url`: HEAD answers 200 without a length, or
 * with more to come. A deleted or expired upload answers 404 or 410; a finished one is an object.
 */
export async function isUnfinishedUpload(url: string): Promise<boolean> {
  const { serviceRoleKey } = stackEnv();
  const response = await fetch(url, {
    method: "HEAD",
    headers: { authorization: `Bearer ${serviceRoleKey}`, "tus-resumable": "1.0.0" },
  });
  await response.body?.cancel();
  if (!response.ok) return false;
  const length = response.headers.get("upload-length");
  return length === null || Number(response.headers.get("upload-offset")) < Number(length);
}

/** The offset Storage holds for the upload at `url` (HEAD's Upload-Offset). */
export async function uploadOffset(url: string): Promise<number> {
  const { serviceRoleKey } = stackEnv();
  const response = await fetch(url, {
    method: "HEAD",
    headers: { authorization: `Bearer ${serviceRoleKey}`, "tus-resumable": "1.0.0" },
  });
  await response.body?.cancel();
  return Number(response.headers.get("upload-offset") ?? -1);
}

/** SIGKILLs every worker process of the stack and waits until they are gone. */
export async function killWorkers(): Promise<void> {
  const pids = await stackWorkerPids();
  for (const pid of pids) Deno.kill(pid, "SIGKILL");
  for (const pid of pids) {
    await pollFor(`worker ${pid} to exit`, async () => (await isRunning(pid)) ? undefined : true);
  }
}

/**
 * Puts an export whose worker died back in the queue as the cleanup does once
 * its lease runs out (without the wait, nor the retry's backoff), and wakes a worker.
 */
export async function requeueAfterLease(exportId: string): Promise<void> {
  await withDb(async (sql) => {
    await sql`update exports.exports set lease_expires_at = now() - interval '1 second'
              where export_id = ${exportId} and status = 'processing'`;
    await sql`select exports.cleanup_expired_exports()`;
    await sql`update exports.exports set next_run_at = now()
              where export_id = ${exportId} and status = 'queued'`;
  });
  await wakeWorker();
}

/** Stops (SIGSTOP) or continues (SIGCONT) every worker process of the stack. */
export async function signalWorkers(signal: "SIGSTOP" | "SIGCONT"): Promise<void> {
  for (const pid of await stackWorkerPids()) {
    try {
      Deno.kill(pid, signal);
    } catch {
      // Gone meanwhile.
    }
  }
}
