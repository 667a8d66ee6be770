import { xlsxReportFile } from "../../functions/_shared/files/xlsx_report.ts";
import { parseReport } from "../../functions/_shared/files/report_layout.ts";
const report = parseReport(
  JSON.parse(Deno.readTextFileSync(new URL("./report.json", import.meta.url))),
);
const rows = Array.from(
  { length: 50 },
  (_, i) => ({
    occurred_on: `2025-${String(1 + i % 12).padStart(2, "0")}-02`,
    category: ["Salary", "Rent"][i % 2],
    kind: i % 2 ? "expense" : "income",
    description: `Supermarket #${i}`,
    amount: i % 2 ? `-${(i % 300) + 0.99}` : "2500.00",
  }),
);
const cols = [
  { name: "occurred_on", type: 1082 },
  { name: "category", type: 25 },
  { name: "kind", type: 25 },
  { name: "description", type: 25 },
  { name: "amount", type: 1700 },
];
async function* b() {
  yield Object.assign(rows, { columns: cols });
}
const bytes = await new Response(xlsxReportFile(report, b())).bytes();
Deno.writeFileSync("/tmp/rp/report.xlsx", bytes);
console.log(bytes.length);
