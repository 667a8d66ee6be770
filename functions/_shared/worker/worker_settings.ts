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
