// The doctor's report as printed: one line a finding, its fix under it, then
// a summary line.
import type { Finding, Severity } from "./finding.ts";

const labels: Record<Severity, string> = { ok: "ok", warn: "WARN", fail: "FAIL", skip: "skip" };

/** The report for `findings`, ending with the summary line. */
export function formatReport(findings: Finding[]): string {
  const width = Math.max(...findings.map((finding) => finding.check.length), 0);
  const lines = findings.flatMap((finding) => [
    `${labels[finding.severity].padEnd(4)}  ${finding.check.padEnd(width)}  ${finding.message}`,
    ...(finding.fix ? [`${" ".repeat(width + 8)}fix: ${finding.fix}`] : []),
  ]);
  return [...lines, "", summaryLine(findings)].join("\n");
}

/** "nothing is wrong (…)" or how many problems and warnings there are. */
export function summaryLine(findings: Finding[]): string {
  const count = (severity: Severity) =>
    findings.filter((finding) => finding.severity === severity).length;
  const [ok, warn, fail, skip] = [count("ok"), count("warn"), count("fail"), count("skip")];
  const skipped = skip > 0 ? `, ${skip} skipped` : "";
  if (fail === 0 && warn === 0) return `nothing is wrong (${ok} checks passed${skipped})`;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${plural(fail, "problem")}, ${
    plural(warn, "warning")
  }, ${ok} passed${skipped}: run the fixes above`;
}
