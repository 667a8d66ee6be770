import assert from "node:assert/strict";
import { extractText, getDocumentProxy } from "unpdf";
import { pdfFile, printableText } from "./pdf_writer.ts";
import { reportFonts, standardFonts } from "./report_fonts.ts";
import type { RowBatch } from "./xlsx_writer.ts";

const fontsFolder = new URL("../../exports-worker/fonts/", import.meta.url);

/** The PDF `rows` make, and its text, pages joined. */
async function pdfOf(
  rows: RowBatch,
  title = "Budżet ✓",
): Promise<{ bytes: Uint8Array; text: string }> {
  async function* batches() {
    yield rows;
  }
  const bytes = await new Response(pdfFile(batches(), { title, fonts: fontsFolder })).bytes();
  const { text } = await extractText(await getDocumentProxy(bytes.slice()), { mergePages: true });
  return { bytes, text };
}

/** Whether a PDF embeds a TrueType font file (the standard fonts are never embedded). */
const embedsAFont = (bytes: Uint8Array) =>
  new TextDecoder("latin1").decode(bytes).includes("/FontFile2");

Deno.test("a PDF report prints Central European, Greek and Cyrillic text as written", async () => {
  const words = ["Zażółć gęślą jaźń", "Ελληνικά", "Привет", "Türkçe ığş", "Tiếng Việt", "€ – “ok”"];
  const { bytes, text } = await pdfOf(words.map((word, index) => ({ index, word })));
  for (const expected of ["Budżet ✓", "index", "word", ...words]) {
    assert.ok(text.includes(expected), `the PDF shows ${expected}: ${text}`);
  }
  assert.ok(embedsAFont(bytes));
});

Deno.test("a PDF report whose text Helvetica draws embeds no font", async () => {
  const { bytes, text } = await pdfOf([{ word: "café — 12 €", n: 1 }], "Budget");
  assert.ok(text.includes("café — 12 €"), text);
  assert.ok(!embedsAFont(bytes), "set in the standard fonts only");
});

Deno.test("a PDF report prints what its fonts cannot draw as ?", async () => {
  const { text } = await pdfOf([{ word: "東京 नम ok\ttab" }]);
  assert.ok(text.includes("?? ?? ok tab"), text);
});

Deno.test("printableText keeps what the fonts draw and replaces the rest", async () => {
  const fonts = await reportFonts(fontsFolder);
  assert.equal(printableText("łódź\r\nЖ\u0007東", fonts), "łódź \nЖ??");
  assert.equal(printableText("łódź\r\nЖ\u0007é€", standardFonts), "?ód? \n??é€");
});
