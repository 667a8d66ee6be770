const t0 = performance.now();
const { pdfFile } = await import("/work/wt-reports/functions/_shared/files/pdf_writer.ts");
const { reportFonts } = await import("/work/wt-reports/functions/_shared/files/report_fonts.ts");
const t1 = performance.now();
await reportFonts();
const t2 = performance.now();
const rows = Array.from(
  { length: 5000 },
  (_, n) => ({
    occurred_on: "2025-01-02",
    category: "Groceries",
    kind: "expense",
    description: `Supermarket #${n}, "lorem ipsum dolor sit amet"`,
    amount: "-12.34",
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
  for (let i = 0; i < 10; i++) {
    yield Object.assign(rows.slice(i * 500, (i + 1) * 500), { columns: cols });
  }
}
const t3 = performance.now();
const bytes = await new Response(pdfFile(b(), { title: "budget" })).bytes();
const t4 = performance.now();
console.log({ importMs: t1 - t0, fontsMs: t2 - t1, renderMs: t4 - t3, size: bytes.length });
