// The budget's PDF report writer alone, in this process, over 5,000 lines
// shaped like the bench seed's: the CPU its first file takes after a file of
// no lines (as a worker's first report, its code not yet optimised), then the
// median of later ones. Where the export figures say how long a report takes,
// this says how much of it is the writer.
//   deno run -A bench/report_writer.ts [later files, default 5] [--out file.pdf]
import process from "node:process";
import { pdfReportFile } from "../functions/_shared/files/pdf_report.ts";
import { parseReport } from "../functions/_shared/files/report_layout.ts";
import type { RowBatch } from "../functions/_shared/files/xlsx_writer.ts";

const lineCount = 5_000;
const columns = [
  { name: "occurred_on", type: 1082 },
  { name: "category", type: 25 },
  { name: "kind", type: 25 },
  { name: "description", type: 25 },
  { name: "amount", type: 1700 },
];
const categories = ["Salary", "Rent", "Groceries", "Transport", "Utilities", "Leisure"];
const payees = ["Payslip", "Rent", "Supermarket", "Train", "Power", "Cinema"];
const lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod " +
  "tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud " +
  "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure";

// As bench/seed/budget.sql writes them, ordered as sample.budget_lines orders them.
const lines = Array.from({ length: lineCount }, (_, index) => {
  const n = index + 1;
  const day = new Date(Date.UTC(2020, 0, 1) + (n % 2190) * 86_400_000);
  return {
    occurred_on: day.toISOString().slice(0, 10),
    category: categories[n % 6],
    kind: n % 6 === 0 ? "income" : "expense",
    description: `${payees[n % 6]} #${n}, "${lorem.slice(n % 200, n % 200 + 20 + n % 40)}"`,
    amount: ((n * 7919 % 100_000) / 100 * (n % 6 === 0 ? 1 : -1)).toFixed(2),
  };
}).sort((a, b) =>
  a.occurred_on.localeCompare(b.occurred_on) || a.category.localeCompare(b.category)
);

const months = Array.from({ length: 72 }, (_, m) => [
  `${2020 + Math.floor(m / 12)}-${String(m % 12 + 1).padStart(2, "0")}-01`,
  3000.5 + m,
  2500.25 + 3 * m,
  500.25 - 2 * m,
]);

const report = parseReport({
  title: "Budget report",
  scope: "Bench PDF",
  period: { from: "2020-01-02", to: "2025-12-30" },
  currency: "EUR",
  columns: {
    occurred_on: { label: "Date" },
    category: { label: "Category" },
    kind: { label: "Kind" },
    description: { label: "Description" },
    amount: { label: "Amount", currency: true },
  },
  figures: [
    { label: "Income", sum: "amount", where: { kind: "income" }, value: 123456.78 },
    {
      label: "Expenses",
      sum: "amount",
      where: { kind: "expense" },
      negate: true,
      value: 987654.32,
    },
    { label: "Net", sum: "amount", value: -864197.54 },
    { label: "Lines", count: true, value: lineCount },
  ],
  groups: [
    {
      name: "categories",
      title: "Totals by category",
      key: { column: "category", label: "Category" },
      columns: [
        { label: "Kind", text: "kind" },
        { label: "Total", sum: "amount" },
        { label: "Share of its kind", share_of: 2, within: 1 },
      ],
      rows: categories.map((category, i) => [
        category,
        i === 0 ? "income" : "expense",
        i === 0 ? 123456.78 : -197530.86 + i,
        i === 0 ? 1 : 0.2,
      ]),
    },
    {
      name: "months",
      title: "Totals by month",
      key: { column: "occurred_on", label: "Month", by: "month" },
      columns: [
        { label: "Income", sum: "amount", where: { kind: "income" } },
        { label: "Expenses", sum: "amount", where: { kind: "expense" }, negate: true },
        { label: "Net", sum: "amount" },
      ],
      rows: months,
    },
  ],
  charts: [
    { type: "bars", title: "Income and expenses by month", group: "months", columns: [1, 2] },
    {
      type: "breakdown",
      title: "Expenses by category",
      group: "categories",
      column: 2,
      where: { column: 1, equals: "expense" },
    },
  ],
});

const fonts = new URL("../functions/exports-worker/fonts/", import.meta.url);

/** One report of `rows`, in the cursor's batches of 500; its bytes. */
async function reportOf(rows: Record<string, unknown>[]): Promise<Uint8Array> {
  async function* batches(): AsyncGenerator<RowBatch> {
    if (rows.length === 0) yield Object.assign([], { columns });
    for (let at = 0; at < rows.length; at += 500) {
      yield Object.assign(rows.slice(at, at + 500), { columns });
    }
  }
  return await new Response(pdfReportFile(report, batches(), { title: "budget", fonts })).bytes();
}

/** CPU seconds (user + system, every thread) `work` takes. */
async function cpuOf(work: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

const later = Number(Deno.args.find((arg) => /^\d+$/.test(arg)) ?? 5);
const out = Deno.args.includes("--out") ? Deno.args[Deno.args.indexOf("--out") + 1] : undefined;

await reportOf([]);
let bytes: Uint8Array = new Uint8Array();
const first = await cpuOf(async () => bytes = await reportOf(lines));
const times: number[] = [];
for (let run = 0; run < later; run++) times.push(await cpuOf(() => reportOf(lines)));
times.sort((a, b) => a - b);
console.log(
  `${lineCount.toLocaleString("en-US")} lines, ${(bytes.length / 1e3).toFixed(1)} kB: ` +
    `first file ${first.toFixed(3)} s of CPU` +
    (later > 0 ? `, later files ${times[Math.floor(times.length / 2)].toFixed(3)} s (median)` : ""),
);
if (out) await Deno.writeFile(out, bytes);
