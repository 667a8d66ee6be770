import assert from "node:assert/strict";
import { extractText, getDocumentProxy } from "unpdf";
import { pdfFile, printableText } from "./pdf_writer.ts";
import { loadReportFonts, reportFonts, standardFonts } from "./report_fonts.ts";
import type { RowBatch } from "./xlsx_writer.ts";

/** The text of the PDF `rows` make, pages joined. */
async function pdfText(rows: RowBatch): Promise<string> {
  async function* batches() {
    yield rows;
  }
  const bytes = await new Response(pdfFile(batches(), { title: "Budżet ✓" })).bytes();
  const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true });
  return text;
}

Deno.test("a PDF report prints Central European, Greek and Cyrillic text as written", async () => {
  const words = ["Zażółć gęślą jaźń", "Ελληνικά", "Привет", "Türkçe ığş", "Tiếng Việt", "€ – “ok”"];
  const text = await pdfText(words.map((word, index) => ({ index, word })));
  for (const expected of ["Budżet ✓", "index", "word", ...words]) {
    assert.ok(text.includes(expected), `the PDF shows ${expected}: ${text}`);
  }
});

Deno.test("a PDF report prints what its fonts cannot draw as ?", async () => {
  const text = await pdfText([{ word: "東京 नम ok\ttab" }]);
  assert.ok(text.includes("?? ?? ok tab"), text);
});

Deno.test("printableText keeps what the fonts draw and replaces the rest", async () => {
  const fonts = await reportFonts();
  assert.notEqual(fonts, standardFonts, "the DejaVu fonts are read from functions/_shared/fonts");
  assert.equal(printableText("łódź\r\nЖ\u0007東", fonts), "łódź \nЖ??");
  assert.equal(printableText("łódź\r\nЖ\u0007é€", standardFonts), "?ód? \n??é€");
});

Deno.test("a worker deployed without the font files falls back to the standard fonts", async () => {
  const missing = await Deno.makeTempDir();
  try {
    assert.equal(await loadReportFonts(new URL(`file://${missing}/`)), standardFonts);
  } finally {
    await Deno.remove(missing);
  }
});
