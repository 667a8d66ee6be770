import assert from "node:assert/strict";
import JSZip from "jszip";
import { parseReport } from "./report_layout.ts";
import { linesTable, xlsxReportFile } from "./xlsx_report.ts";
import type { RowBatch } from "./xlsx_writer.ts";

const report = parseReport({
  title: "Budget",
  currency: "EUR",
  columns: {
    on: { label: "Date" },
    kind: { label: "Kind" },
    amount: { label: "Amount", currency: true },
  },
  figures: [
    { label: "Spent", value: 5, sum: "amount", where: { kind: 'say "out"' }, negate: true },
    { label: "Lines", value: 2, count: true },
  ],
  groups: [{
    name: "months",
    title: "By month",
    key: { column: "on", label: "Month", by: "month" },
    columns: [{ label: "Net", sum: "amount" }],
    rows: [["2026-01-01", -5]],
  }],
  charts: [{ type: "bars", title: "Net by month", group: "months", columns: [1] }],
});

async function partsOf(rows: Record<string, unknown>[]): Promise<Record<string, string>> {
  async function* batches(): AsyncGenerator<RowBatch> {
    yield Object.assign(rows, {
      columns: [{ name: "on", type: 1082 }, { name: "kind", type: 25 }, {
        name: "amount",
        type: 1700,
      }],
    });
  }
  const zip = await JSZip.loadAsync(await new Response(xlsxReportFile(report, batches())).bytes());
  const parts: Record<string, string> = {};
  for (const name of Object.keys(zip.files)) parts[name] = await zip.file(name)!.async("text");
  return parts;
}

Deno.test("a report's figures and groups are formulas over the lines' table, with their values", async () => {
  const parts = await partsOf([
    { on: "2026-01-05", kind: 'say "out"', amount: "-5.00" },
    { on: "2026-01-06", kind: "in", amount: "0" },
  ]);
  const summary = parts["xl/worksheets/sheet1.xml"];
  assert.ok(
    summary.includes(
      `<f>-SUMIFS(${linesTable}[Amount],${linesTable}[Kind],&quot;say &quot;&quot;out&quot;&quot;&quot;)</f><v>5</v>`
        .replaceAll("&quot;", '"'),
    ),
    summary,
  );
  assert.ok(summary.includes(`<f>COUNTA(${linesTable}[Date])</f><v>2</v>`), summary);
  assert.ok(
    summary.includes(
      `<f>SUMIFS(${linesTable}[Amount],${linesTable}[Date],"&gt;="&amp;$A8,${linesTable}[Date],"&lt;"&amp;EDATE($A8,1))</f><v>-5</v>`,
    ),
    summary,
  );
  assert.ok(summary.includes('<cfRule type="dataBar"'), "the charted column has data bars");
  assert.match(parts["xl/workbook.xml"], /fullCalcOnLoad="1"/);
});

Deno.test("a report's lines are a table with filters over every row, even none", async () => {
  const parts = await partsOf([{ on: "2026-01-05", kind: "in", amount: "1" }]);
  assert.match(
    parts["xl/tables/table1.xml"],
    /ref="A1:C2" totalsRowShown="0"><autoFilter ref="A1:C2"\/>/,
  );
  assert.match(parts["xl/worksheets/sheet2.xml"], /<tablePart r:id="rId1"\/>/);
  const empty = await partsOf([]);
  assert.match(
    empty["xl/tables/table1.xml"],
    /ref="A1:C2"/,
    "a table needs a row under its header",
  );
});
