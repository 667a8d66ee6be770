import assert from "node:assert/strict";
import {
  InvalidReport,
  parseReport,
  readableDate,
  readableMonth,
  reportSubtitle,
} from "./report_layout.ts";

const group = {
  name: "months",
  title: "By month",
  key: { column: "on", label: "Month", by: "month" },
  columns: [{ label: "Total", sum: "amount" }],
  rows: [["2026-01-01", 12.5]],
};

Deno.test("parseReport takes a report and fills in the lists it leaves out", () => {
  const report = parseReport({ title: "Budget" });
  assert.deepEqual([report.figures, report.groups, report.charts], [[], [], []]);
});

Deno.test("parseReport refuses what the writers could not lay out, saying what", () => {
  const refuses = (value: unknown, problem: RegExp) =>
    assert.throws(() => parseReport(value), (error: Error) => {
      assert.ok(error instanceof InvalidReport);
      assert.match(error.message, problem);
      return true;
    });
  refuses(null, /not a JSON object/);
  refuses({ figures: [] }, /no title/);
  refuses({ title: "t", figures: [{ label: "Net", value: "12" }] }, /numeric value/);
  refuses({ title: "t", groups: [{ name: "g" }] }, /a group needs/);
  refuses(
    { title: "t", charts: [{ type: "bars", title: "c", group: "none", columns: [1] }] },
    /names no group/,
  );
  refuses(
    {
      title: "t",
      groups: [group],
      charts: [{ type: "bars", title: "c", group: "months", columns: [2] }],
    },
    /draws no column/,
  );
});

Deno.test("dates and months read as people write them", () => {
  assert.equal(readableDate("2026-01-02"), "2 Jan 2026");
  assert.equal(
    readableDate("2026-01-02 10:00:00"),
    "2026-01-02 10:00:00",
    "a timestamp keeps its time",
  );
  assert.equal(readableDate("infinity"), "infinity");
  assert.equal(readableMonth("2026-12-01"), "Dec 2026");
});

Deno.test("the subtitle names the scope, the period and the filters", () => {
  const report = parseReport({
    title: "Budget",
    scope: "The flat",
    period: { from: "2026-01-01", to: null },
    filters: [{ label: "Category", value: "Rent" }],
  });
  assert.equal(reportSubtitle(report), "The flat  ·  1 Jan 2026 – today  ·  Category: Rent");
});
