// What one line of the benchmark table holds: a measured figure, the baseline
// measured beside it in the same run, and the target it is judged against.
import type { Summary } from "./stats.ts";

/** A unit the table knows how to print. */
export type Unit = "s" | "ms" | "MB" | "rows/s" | "exports/s" | "%";

/** A target: met when the figure's median (or its ratio) is on the right side of a bound. */
export interface Target {
  /** What is compared: the median itself, or its ratio to the baseline. */
  on: "median" | "ratio";
  /** "at least" for speeds and ratios, "below" for times and memory. */
  kind: "at least" | "below";
  /** The bound, in the figure's unit (or a plain factor for ratios). */
  bound: number;
}

/** One row of the table. */
export interface Figure {
  /** What was measured, e.g. "CSV export, 1,000,000 rows". */
  name: string;
  /** The measured samples' summary, in `unit`. */
  value: Summary;
  /** The unit of `value` (and of `baseline`). */
  unit: Unit;
  /** The reference measured in the same run, when there is one. */
  baseline?: { name: string; value: Summary };
  /**
   * Speed relative to the baseline (1 = as fast), computed from the medians by
   * the measurement, which knows whether its unit is a duration or a rate.
   */
  ratio?: number;
  /** The target from the issue; figures without one are reported only. */
  target?: Target;
  /** Anything the reader needs to interpret the row (sizes, bytes saved, plan). */
  note?: string;
}

/** Whether a figure meets its target; undefined when it has none. */
export function meetsTarget(figure: Figure): boolean | undefined {
  const { target } = figure;
  if (!target) return undefined;
  const observed = target.on === "ratio" ? figure.ratio : figure.value.median;
  if (observed === undefined) return false;
  return target.kind === "at least" ? observed >= target.bound : observed < target.bound;
}
