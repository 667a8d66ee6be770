// The export worker: woken by the exports API, by pg_cron (through pg_net) and
// by the local stack, each verified by worker_caller.ts; answers 202 at once
// and works in the background.
import { createClient } from "@supabase/supabase-js";
import { defaultConcurrency } from "../_shared/worker/claim_loop.ts";
import { workerConnections, workerDb } from "../_shared/files/db_client.ts";
import { errorResponse } from "../_shared/api/http_errors.ts";
import { workerRound } from "../_shared/worker/worker_loop.ts";
import { roundRunner } from "../_shared/worker/worker_rounds.ts";
import { verifyWorkerCaller, workerCredentials } from "../_shared/worker/worker_caller.ts";
import { Slots } from "../_shared/worker/slots.ts";
import {
  budgetFor,
  databaseUrl,
  integerSetting,
  layoutSlotsFor,
  workerLimits,
} from "../_shared/worker/worker_settings.ts";

// Who may wake it: read once, as hosted functions get their secrets at start.
const credentials = workerCredentials(Deno.env);

// What the platform allows this instance: the defaults below fit it.
const limits = workerLimits(Deno.env);

// Exports at once in this instance.
const concurrency = integerSetting(
  Deno.env,
  "EXPORTS_WORKER_CONCURRENCY",
  defaultConcurrency,
  {
    min: 1,
    max: 16,
  },
);
// A bounded pool whose idle connections close: an instance kept warm between
// wake-ups holds none of a small database's few direct connections.
const db = workerDb(databaseUrl(Deno.env), {
  max: workerConnections(concurrency),
  idleTimeoutSeconds: 30,
});
const supabaseUrl = Deno.env.get("SUPABASE_URL")!;
const serviceRoleKey = Deno.env.get("SUPABASE_SERVICE_ROLE_KEY")!;
const storage = createClient(supabaseUrl, serviceRoleKey, {
  auth: { persistSession: false, autoRefreshToken: false },
});
// The platform retires an instance past its CPU soft limit or half its wall
// clock and, once no request is in flight, tells it with `drain`: from then on
// it claims nothing, finishes what it runs and ends. New wake-ups reach a
// fresh instance, which this one wakes at once: it starts while this one
// finishes its slice, and the next slice's wake-up finds it ready.
const drained = new AbortController();
globalThis.addEventListener("drain", () => {
  drained.abort();
  const successor = fetch(`${supabaseUrl}/functions/v1/exports-worker`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${Deno.env.get("EXPORTS_WAKE_SECRET") || serviceRoleKey}`,
    },
  }).then(
    (response) => response.body?.cancel(),
    (error) => console.error("exports worker: could not wake a successor", error),
  );
  (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } })
    .EdgeRuntime
    ?.waitUntil(successor);
});

const settings = {
  workerId: `exports-worker-${crypto.randomUUID()}`,
  // How long an export held by an instance that died (killed at a limit)
  // waits before it is queued again.
  leaseSeconds: integerSetting(Deno.env, "EXPORTS_WORKER_LEASE_SECONDS", 120, {
    min: 10,
    max: 3_600,
  }),
  // Often, for a canceled export's statement to end promptly; one heartbeat
  // is one small update.
  heartbeatMs: 500,
  statementTimeout: "15min",
  // The parts' resumable uploads.
  storage: { storageUrl: `${supabaseUrl}/storage/v1`, key: serviceRoleKey },
  budgetMs: integerSetting(
    Deno.env,
    "EXPORTS_WORKER_BUDGET_MS",
    budgetFor(limits),
    {
      min: 0,
      max: 3_600_000,
    },
  ),
  concurrency,
  // Its own folder: config.toml's static_files ships the fonts with it.
  reportFonts: new URL("./fonts/", import.meta.url),
  // An export written in one slice (PDF, Parquet, txt from a cursor) lays
  // out its rows and holds far more memory than a slice of the others: only
  // as many as fit run at once.
  layoutSlots: new Slots(layoutSlotsFor(limits.memoryMb, concurrency)),
  drained: drained.signal,
};

const runRounds = roundRunner(
  (budgetMs, woken) =>
    workerRound(
      db,
      storage,
      { ...settings, budgetMs: drained.signal.aborted ? 0 : budgetMs },
      woken,
    ),
  { budgetMs: settings.budgetMs },
);

Deno.serve(async (request) => {
  const caller = await verifyWorkerCaller(request, credentials);
  if (!caller.accepted) {
    return errorResponse(caller.status, caller.code, caller.message);
  }
  const work = runRounds();
  const edge = (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } })
    .EdgeRuntime;
  if (edge) {
    edge.waitUntil(work);
    return Response.json({ accepted: true }, { status: 202 });
  }
  return work.then(() => Response.json({ accepted: true }, { status: 202 }));
});
