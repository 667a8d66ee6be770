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
