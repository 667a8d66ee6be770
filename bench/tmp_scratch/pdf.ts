import { pdfReportFile } from "../../functions/_shared/files/pdf_report.ts";
import { parseReport } from "../../functions/_shared/files/report_layout.ts";
const report = parseReport(
  JSON.parse(Deno.readTextFileSync(new URL("./report.json", import.meta.url))),
);
const n = Number(Deno.args[0] ?? 5000);
const cats = ["Salary", "Rent", "Groceries", "Travel ✈", "Eating out, cafés"];
const rows = Array.from({ length: n }, (_, i) => ({
  occurred_on: `2025-${String(1 + i % 12).padStart(2, "0")}-02`,
  category: cats[i % 5],
  kind: i % 5 ? "expense" : "income",
  description: `Supermarket #${i}, "lorem ipsum dolor sit amet consectetur"`,
  amount: i % 5 ? `-${(i % 300) + 0.99}` : "2500.00",
}));
const cols = [
  { name: "occurred_on", type: 1082 },
  { name: "category", type: 25 },
  { name: "kind", type: 25 },
  { name: "description", type: 25 },
  { name: "amount", type: 1700 },
];
async function* b() {
  for (let i = 0; i < n; i += 500) yield Object.assign(rows.slice(i, i + 500), { columns: cols });
}
await pdfReportFile(
  report,
  (async function* () {
    yield Object.assign(rows.slice(0, 10), { columns: cols });
  })(),
  { title: "x" },
).pipeTo(new WritableStream());
const t = performance.now();
const bytes = await new Response(pdfReportFile(report, b(), { title: "budget" })).bytes();
console.log({ ms: performance.now() - t, size: bytes.length });
Deno.writeFileSync("/tmp/rp/report.pdf", bytes);
