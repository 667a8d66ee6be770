// Prints the benchmark figures as one Markdown table: readable in a terminal
// and pasted unchanged into BENCHMARKS.md.
import { type Figure, meetsTarget, type Unit } from "./figure.ts";

/** Formats a number in a unit with the precision that unit deserves. */
export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case "s":
      return `${value.toFixed(value < 10 ? 2 : 1)} s`;
    case "ms":
      return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
    case "MB":
      return `${value.toFixed(1)} MB`;
    case "%":
      return `${value.toFixed(1)} %`;
    case "rows/s":
    case "exports/s":
      return `${Math.round(value).toLocaleString("en-US")} ${unit}`;
  }
}

function formatTarget(figure: Figure): string {
  const { target } = figure;
  if (!target) return "report";
  const sign = target.kind === "at least" ? "≥" : "<";
  const bound = target.on === "ratio" ? `${target.bound}×` : formatValue(target.bound, figure.unit);
  return `${sign} ${bound}`;
}

function formatResult(figure: Figure): string {
  const met = meetsTarget(figure);
  return met === undefined ? "" : met ? "met" : "**missed**";
}

const header = ["figure", "median", "min", "max", "baseline (median)", "ratio", "target", "result"];

/** The figures as a Markdown table, one row each, then their notes as a list. */
export function renderTable(figures: readonly Figure[]): string {
  const rows = figures.map((figure) => [
    figure.name,
    formatValue(figure.value.median, figure.unit),
    formatValue(figure.value.min, figure.unit),
    formatValue(figure.value.max, figure.unit),
    figure.baseline
      ? `${figure.baseline.name}: ${formatValue(figure.baseline.value.median, figure.unit)}`
      : "",
    figure.ratio === undefined ? "" : `${figure.ratio.toFixed(2)}×`,
    formatTarget(figure),
    formatResult(figure),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length))
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`;
  const table = [
    line(header),
    `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`,
    ...rows.map(line),
  ];
  const notes = figures.filter((figure) => figure.note).map((f) => `- ${f.name}: ${f.note}`);
  return [...table, ...(notes.length > 0 ? ["", ...notes] : [])].join("\n");
}
