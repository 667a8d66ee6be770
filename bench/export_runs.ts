// Runs one export the way a client app does (POST to the exports API as the
// user) and waits until its file is complete in Storage, timing
// request -> completed file; also the baseline statements, fetched from SQL.
import type postgres from "postgres";
import type { SupabaseClient } from "@supabase/supabase-js";
import type { ExportFormat } from "../functions/_shared/files/export_file.ts";
import { timePsqlToDevNull } from "./psql.ts";
import { restartWorker, runningWorkerPid, workerUsage } from "./worker_process.ts";

/** What to export, as request_export takes it. */
export interface ExportRequest {
  source: string;
  format: ExportFormat;
  compression: "none" | "gzip";
  options: Record<string, unknown>;
  scope?: string;
}

/** One export, measured. */
export interface ExportRun {
  /** Seconds from the request until the completed file was recorded. */
  seconds: number;
  /** Rows the worker recorded (messages, conversations or line items). */
  rows: number;
  /** Size of the stored file. */
  bytes: number;
  /** The worker process's peak resident set during the run, in MB. */
  peakMB: number;
  /**
   * The worker's peak of what the edge runtime counts against its memory limit (V8's used heap
   * plus external memory), in MB; null when the instance reports none.
   */
  countedPeakMB: number | null;
  /** CPU seconds the worker process spent on this export (user + system, all threads). */
  workerCpuSeconds: number;
  /** Seconds from the request to the worker's claim (`started_at - requested_at`, Postgres's clock). */
  queuedSeconds: number;
  /** Seconds from the claim to the completion (`finished_at - started_at`, Postgres's clock). */
  runningSeconds: number;
}

/** Where the bench finds its stack's database, Storage folder and worker. */
export interface ExportContext {
  /** A superuser pool, for polling status and fetching statements. */
  sql: postgres.Sql;
  dbUrl: string;
  /** The stack's EXPORTS_LOCAL_DIR: its Storage files and gateway pid live there. */
  localDir: string;
  /** A client signed in as a user with a handful of rows, for warm-up exports. */
  warmupClient: SupabaseClient;
}

const pollIntervalMs = 10;
const timeoutMs = 15 * 60 * 1000;

interface ExportState {
  status: string;
  row_count: string | null;
  file_size: string | null;
  storage_bucket: string;
  storage_path: string;
  error_code: string | null;
  error_message: string | null;
  queued_seconds: number | null;
  running_seconds: number | null;
}

/** Requests an export as the client's user and waits until it is completed. */
async function requestAndWait(
  context: ExportContext,
  client: SupabaseClient,
  request: ExportRequest,
): Promise<Omit<ExportRun, "peakMB" | "countedPeakMB" | "workerCpuSeconds">> {
  const start = performance.now();
  // POST /functions/v1/exports, as a client app requests an export.
  const { data, error } = await client.functions.invoke("exports", {
    method: "POST",
    body: {
      source: request.source,
      format: request.format,
      options: request.options,
      compression: request.compression,
      ...(request.scope ? { scope: request.scope } : {}),
    },
  });
  if (error) throw new Error(`the exports API refused the request: ${error.message}`);
  const exportId = (data as { export_id: string }).export_id;
  for (;;) {
    const [state] = await context.sql<ExportState[]>`
      select status, row_count, file_size, storage_bucket, storage_path, error_code, error_message,
        extract(epoch from started_at - requested_at)::float8 as queued_seconds,
        extract(epoch from finished_at - started_at)::float8 as running_seconds
      from exports.exports where export_id = ${exportId}`;
    if (state.status === "completed") {
      const seconds = (performance.now() - start) / 1000;
      const bytes = Number(state.file_size);
      // An export over the part limit is its parts; one under it, its file.
      const parts = await context.sql<{ storage_path: string }[]>`
        select storage_path from exports.export_parts where export_id = ${exportId} order by part`;
      const paths = parts.length ? parts.map((part) => part.storage_path) : [state.storage_path];
      let stored = 0;
      for (const path of paths) {
        stored += (await Deno.stat(`${context.localDir}/storage/${state.storage_bucket}/${path}`))
          .size;
      }
      if (stored !== bytes) {
        throw new Error(`export ${exportId} recorded ${bytes} bytes but Storage holds ${stored}`);
      }
      return {
        seconds,
        rows: Number(state.row_count),
        bytes,
        queuedSeconds: state.queued_seconds ?? 0,
        runningSeconds: state.running_seconds ?? 0,
      };
    }
    if (state.status !== "queued" && state.status !== "processing") {
      throw new Error(
        `export ${exportId} (${request.format}) ended ${state.status}: ` +
          `${state.error_code} ${state.error_message}`,
      );
    }
    if (performance.now() - start > timeoutMs) {
      throw new Error(`export ${exportId} did not complete within ${timeoutMs / 60000} minutes`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

/**
 * One measured export on a fresh worker process: the worker is restarted
 * (so its peak resident set is this run's alone), woken and warmed with a
 * tiny export (so its start-up is neither timed nor counted in its CPU time),
 * then the export is measured.
 */
export async function measuredExport(
  context: ExportContext,
  client: SupabaseClient,
  request: ExportRequest,
  warmup: { client: SupabaseClient; request: ExportRequest } = {
    client: context.warmupClient,
    request: { source: "conversations", format: "csv", compression: "none", options: {} },
  },
): Promise<ExportRun> {
  await restartWorker(context.localDir);
  await requestAndWait(context, warmup.client, warmup.request);
  // The same process before and after: one that exited meanwhile fails the
  // run instead of mixing two processes' figures.
  const worker = await runningWorkerPid(context.localDir);
  const before = await workerUsage(context.localDir, worker);
  const run = await requestAndWait(context, client, request);
  const after = await workerUsage(context.localDir, worker);
  return {
    ...run,
    peakMB: after.peakMB,
    countedPeakMB: after.countedPeakMB,
    workerCpuSeconds: after.cpuSeconds - before.cpuSeconds,
  };
}

/** The statement the SQL core builds for an export: the one the worker runs. */
export async function exportStatement(
  sql: postgres.Sql,
  request: Pick<ExportRequest, "source" | "format" | "options" | "scope">,
): Promise<string> {
  const [built] = await sql<{ statement: string }[]>`
    select b.statement
    from exports.sources s,
         exports._build_statement(s, ${request.format},
           exports._source_options(${sql.json(request.options as postgres.JSONValue)}, ${
    request.scope ?? null
  }::uuid)) b
    where s.name = ${request.source}`;
  if (!built) throw new Error(`source ${request.source} is not registered`);
  return built.statement;
}

/** Seconds psql takes to run `statement` as the user, its output to /dev/null. */
export async function baselineSeconds(
  dbUrl: string,
  claims: Record<string, unknown>,
  statement: string,
): Promise<number> {
  return await timePsqlToDevNull(dbUrl, { claims }, statement);
}
