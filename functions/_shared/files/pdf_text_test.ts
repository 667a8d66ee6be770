import assert from "node:assert/strict";
// @ts-types="./pdfkit.d.ts"
import PDFDocument from "pdfkit";
import { PdfText } from "./pdf_text.ts";
import { reportFonts } from "./report_fonts.ts";

const text = async () =>
  new PdfText(
    new PDFDocument(),
    await reportFonts(new URL("../../exports-worker/fonts/", import.meta.url)),
  );

Deno.test("a text's width is the sum of Helvetica's widths of its characters", async () => {
  const type = await text();
  // Helvetica: "H" 722, "i" 222 thousandths of an em.
  assert.equal(type.width("Hi", "regular", 10), 9.44);
});

Deno.test("a text of ASCII is written as it is, its string's specials escaped", async () => {
  const type = await text();
  assert.equal(type.set("a (b) \\ c", "regular", 10).operand, "(a \\(b\\) \\\\ c)");
  assert.equal(type.set("5 €", "regular", 10).operand, "(5 \\200)", "€ is WinAnsi 0x80");
});

Deno.test("a text wider than its column is cut, and ends with an ellipsis that fits", async () => {
  const type = await text();
  const whole = type.set("a long description of a line", "regular", 10);
  const cut = type.set("a long description of a line", "regular", 10, 50);
  assert.ok(whole.width * 10 > 50);
  assert.ok(cut.width * 10 <= 50, `${cut.width * 10} fits in 50`);
  assert.ok(cut.operand.endsWith("\\205)"), "Helvetica's ellipsis (WinAnsi 0x85) ends it");
});

Deno.test("a text Helvetica cannot draw is set in the wide font, glyph by glyph", async () => {
  const type = await text();
  const latin = type.set("ok", "regular", 10);
  const polish = type.set("żółw", "regular", 10);
  assert.notEqual(polish.face, latin.face);
  assert.equal(polish.operand.length, 2 + 4 * 4, "two bytes a glyph, in hexadecimal");
});
