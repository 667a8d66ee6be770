// The worker's tunables from its environment, checked at start-up so that a
// typo fails loudly instead of running with NaN.

/** Reads a whole number between `min` and `max` from `name`, or `fallback` when unset. */
export function integerSetting(
  env: { get(name: string): string | undefined },
  name: string,
  fallback: number,
  { min, max }: { min: number; max: number },
): number {
  const raw = env.get(name);
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}; got "${raw}"`);
  }
  return value;
}

/**
 * The database the worker connects to: `EXPORTS_DB_URL` where set (hosted
 * Supabase reserves names starting with SUPABASE_ for its own secrets, so a
 * pooler or read-write URL of the app's choosing goes there), else the
 * `SUPABASE_DB_URL` the platform provides.
 */
export function databaseUrl(env: { get(name: string): string | undefined }): string {
  const url = env.get("EXPORTS_DB_URL")?.trim() || env.get("SUPABASE_DB_URL")?.trim();
  if (!url) {
    throw new Error(
      "the worker has no database: set EXPORTS_DB_URL (supabase secrets set), or run it where SUPABASE_DB_URL is provided",
    );
  }
  return url;
}

/**
 * What the platform allows one instance of the worker: its wall clock and
 * memory, from EXPORTS_WORKER_WALL_CLOCK_MS and EXPORTS_WORKER_MEMORY_MB (0:
 * no limit). Hosted functions are not told their plan's limits, so the
 * defaults are the Free plan's; a paid project sets
 * EXPORTS_WORKER_WALL_CLOCK_MS=400000 with `supabase secrets set`, a
 * self-hosted runtime without limits sets both to 0.
 */
export interface WorkerLimits {
  wallClockMs: number;
  memoryMb: number;
}

/** The Free plan's limits on an edge function instance. */
export const freePlanLimits: WorkerLimits = { wallClockMs: 150_000, memoryMb: 256 };

/** Reads {@link WorkerLimits} from the environment. */
export function workerLimits(env: { get(name: string): string | undefined }): WorkerLimits {
  return {
    wallClockMs: integerSetting(env, "EXPORTS_WORKER_WALL_CLOCK_MS", freePlanLimits.wallClockMs, {
      min: 0,
      max: 86_400_000,
    }),
    memoryMb: integerSetting(env, "EXPORTS_WORKER_MEMORY_MB", freePlanLimits.memoryMb, {
      min: 0,
      max: 1_048_576,
    }),
  };
}

/**
 * The claiming budget that fits `limits`: half the wall clock. The platform
 * retires an instance at half its wall clock and kills it at the whole, so an
 * export claimed within the budget has the other half to finish in.
 */
export function budgetFor(limits: WorkerLimits): number {
  return limits.wallClockMs ? Math.floor(limits.wallClockMs / 2) : 300_000;
}

/**
 * What the worker holds with nothing to do, and what one export whose writer
 * lays out rows (a `cursor` statement: XLSX, PDF) adds at its row cap, in MB:
 * BENCHMARKS.md's peaks, rounded up.
 */
export const idleWorkerMb = 110;
export const layoutExportMb = 80;

/**
 * How many exports that lay out rows may run at once in `memoryMb` (0: as
 * many as the concurrency): at least one, however small the memory, since an
 * export no instance can hold must fail rather than wait for ever.
 */
export function layoutSlotsFor(memoryMb: number, concurrency: number): number {
  if (!memoryMb) return concurrency;
  const fit = Math.floor((memoryMb - idleWorkerMb) / layoutExportMb);
  return Math.min(concurrency, Math.max(1, fit));
}
