// Tests for bench/table.ts and the target check in bench/figure.ts.
import assert from "node:assert/strict";
import { type Figure, meetsTarget } from "./figure.ts";
import { formatValue, renderTable } from "./table.ts";

const csvExport: Figure = {
  name: "CSV export",
  value: { runs: 3, median: 2, min: 1.9, max: 2.4 },
  unit: "s",
  baseline: { name: "psql copy", value: { runs: 3, median: 1.5, min: 1.4, max: 1.6 } },
  ratio: 0.75,
  target: { on: "ratio", kind: "at least", bound: 0.7 },
  note: "1,000,000 rows",
};

Deno.test("a ratio target is met when the ratio reaches the bound", () => {
  assert.equal(meetsTarget(csvExport), true);
  assert.equal(meetsTarget({ ...csvExport, ratio: 0.69 }), false);
});

Deno.test("a 'below' target on the median is missed at the bound itself", () => {
  const latency: Figure = {
    name: "p50",
    value: { runs: 1, median: 5, min: 5, max: 5 },
    unit: "ms",
    target: { on: "median", kind: "below", bound: 5 },
  };
  assert.equal(meetsTarget(latency), false);
  assert.equal(meetsTarget({ ...latency, value: { ...latency.value, median: 4.9 } }), true);
});

Deno.test("a figure without a target is reported, not judged", () => {
  assert.equal(meetsTarget({ ...csvExport, target: undefined }), undefined);
});

Deno.test("the table shows median, spread, baseline, ratio, target and result in one row", () => {
  const [head, rule, row, blank, note] = renderTable([csvExport]).split("\n");
  assert.match(head, /^\| figure +\| median +\| min +\| max +\| baseline \(median\)/);
  assert.match(rule, /^\|-+\|/);
  assert.deepEqual(row.split("|").map((cell) => cell.trim()).slice(1, -1), [
    "CSV export",
    "2.00 s",
    "1.90 s",
    "2.40 s",
    "psql copy: 1.50 s",
    "0.75×",
    "≥ 0.7×",
    "met",
  ]);
  assert.equal(blank, "");
  assert.equal(note, "- CSV export: 1,000,000 rows");
});

Deno.test("rates are printed as whole numbers with thousands separators", () => {
  assert.equal(formatValue(2345.6, "exports/s"), "2,346 exports/s");
  assert.equal(formatValue(0.1234, "s"), "0.12 s");
});
