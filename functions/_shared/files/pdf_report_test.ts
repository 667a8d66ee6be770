import assert from "node:assert/strict";
import { extractText, getDocumentProxy } from "unpdf";
import { pdfReportFile } from "./pdf_report.ts";
import { parseReport, type Report } from "./report_layout.ts";
import type { RowBatch } from "./xlsx_writer.ts";

const columns = [
  { name: "on", type: 1082 },
  { name: "what", type: 25 },
  { name: "paid", type: 16 },
  { name: "amount", type: 1700 },
];

/** The worker's fonts, which draw the Polish of this report. */
const fonts = new URL("../../exports-worker/fonts/", import.meta.url);

const report: Report = parseReport({
  title: "Budżet domowy",
  scope: "Mieszkanie",
  period: { from: "2026-01-01", to: "2026-01-31" },
  currency: "PLN",
  columns: { on: { label: "Date" }, amount: { label: "Amount", currency: true } },
  figures: [{ label: "Net", value: -1234.5, sum: "amount" }],
  groups: [{
    name: "what",
    title: "By what",
    key: { column: "what", label: "What" },
    columns: [{ label: "Total", sum: "amount" }],
    rows: [["Czynsz", -1200], ["Chleb", -34.5]],
  }],
  charts: [{ type: "breakdown", title: "Spent on", group: "what", column: 1 }],
});

/** An amount as the report prints it, spaces as the text's. */
const zloty = (value: number) =>
  new Intl.NumberFormat("en", {
    style: "currency",
    currency: "PLN",
    currencyDisplay: "narrowSymbol",
  })
    .format(value).replace(/\s+/g, " ");

async function textOf(rows: Record<string, unknown>[], of: Report = report): Promise<string> {
  async function* batches(): AsyncGenerator<RowBatch> {
    yield Object.assign(rows, { columns });
  }
  const bytes = await new Response(pdfReportFile(of, batches(), { title: "budget", fonts }))
    .bytes();
  const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true });
  return text.replace(/\s+/g, " ");
}

Deno.test("a PDF report prints its figures, chart and totals, then its lines", async () => {
  const text = await textOf([
    { on: "2026-01-05", what: "Czynsz", paid: "t", amount: "-1200.00" },
    { on: "2026-01-06", what: "Chleb\tżytni", paid: "f", amount: "-34.50" },
  ]);
  for (
    const expected of [
      "Budżet domowy",
      "Mieszkanie · 1 Jan 2026 – 31 Jan 2026",
      `Net ${zloty(-1234.5)}`,
      "Spent on",
      `Czynsz ${zloty(1200)} · 97.2%`,
      "By what",
      `5 Jan 2026 Czynsz true ${zloty(-1200)}`,
      `6 Jan 2026 Chleb żytni false ${zloty(-34.5)}`,
    ]
  ) {
    assert.ok(text.includes(expected), `the PDF shows ${expected}: ${text}`);
  }
});

Deno.test("a PDF report of no lines says so", async () => {
  const text = await textOf([]);
  assert.ok(text.includes("Lines Date what paid Amount (no lines)"), text);
  assert.equal(text.split("Lines").length - 1, 1, "one heading");
});

Deno.test("a PDF report of many lines repeats the header and numbers its pages", async () => {
  const rows = Array.from({ length: 300 }, (_, n) => ({
    on: "2026-01-05",
    what: `line ${n}`,
    paid: "t",
    amount: "1.00",
  }));
  const text = await textOf(rows);
  assert.ok(text.includes("line 299"), "the last line is printed");
  assert.ok(text.split("Date what paid Amount").length - 1 >= 4, "each page has the header");
  assert.ok(text.includes("page 5"), text.slice(-300));
});

Deno.test("a PDF report prints amounts as Intl writes them in the report's currency", async () => {
  const amounts = ["-1234567.89", "1000", "0.5", "-7", "12.345", "12345678.9"];
  for (const currency of ["EUR", "JPY", "PLN"]) {
    const text = await textOf(
      amounts.map((amount) => ({ on: "2026-01-05", what: "x", paid: "t", amount })),
      { ...report, currency },
    );
    const format = new Intl.NumberFormat("en", {
      style: "currency",
      currency,
      currencyDisplay: "narrowSymbol",
    });
    for (const amount of amounts) {
      const expected = format.format(Number(amount)).replace(/\s+/g, " ");
      assert.ok(text.includes(expected), `${currency} ${amount} prints as ${expected}: ${text}`);
    }
  }
});
