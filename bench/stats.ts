// Summaries of repeated measurements: these machines are shared and noisy, so
// every figure is a median with its spread, and speeds are also given as a
// ratio to a baseline measured in the same run.

/** The median, min and max of a set of samples. */
export interface Summary {
  /** How many samples were taken. */
  runs: number;
  /** The middle sample (the mean of the two middle ones for an even count). */
  median: number;
  /** The smallest sample. */
  min: number;
  /** The largest sample. */
  max: number;
}

/** Summarizes samples; throws on an empty set, which is always a harness bug. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error("cannot summarize zero samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
  return { runs: sorted.length, median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/**
 * The value below which a fraction `p` (0..1) of the samples lie, by the
 * nearest-rank method: always one of the samples, never an interpolation.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error("cannot take a percentile of zero samples");
  if (p < 0 || p > 1) throw new Error(`percentile must be between 0 and 1, got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1];
}

/**
 * How a measured throughput compares with its baseline's: 1 means as fast,
 * 0.5 half as fast. Given durations of the same work, that is baseline / measured.
 */
export function throughputRatio(measuredSeconds: number, baselineSeconds: number): number {
  if (measuredSeconds <= 0) throw new Error("a measured duration must be positive");
  return baselineSeconds / measuredSeconds;
}
