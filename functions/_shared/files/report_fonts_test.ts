import assert from "node:assert/strict";
import { loadReportFonts, reportFonts, standardFonts } from "./report_fonts.ts";

const codePoint = (char: string) => char.codePointAt(0)!;

Deno.test("reportFonts reads DejaVu Sans Condensed from the worker's fonts folder", async () => {
  const fonts = await reportFonts(new URL("../../exports-worker/fonts/", import.meta.url));
  assert.notEqual(fonts, standardFonts);
  assert.ok(fonts.regular instanceof Uint8Array && fonts.bold instanceof Uint8Array);
  for (const char of ["a", "ł", "ğ", "Ж", "Ω", "€", "✓"]) {
    assert.ok(fonts.draws(codePoint(char)), `draws ${char}`);
  }
  for (const char of ["東", "न", "\u0007"]) assert.ok(!fonts.draws(codePoint(char)), `not ${char}`);
});

Deno.test("the standard fonts draw Windows-1252 only", () => {
  for (const char of ["a", "é", "€", "Ž"]) assert.ok(standardFonts.draws(codePoint(char)), char);
  for (const char of ["ł", "Ж", "✓", "\u0081"]) {
    assert.ok(!standardFonts.draws(codePoint(char)), char);
  }
});

Deno.test("a worker deployed without the font files falls back to the standard fonts", async () => {
  const missing = await Deno.makeTempDir();
  try {
    assert.equal(await loadReportFonts(new URL(`file://${missing}/`)), standardFonts);
  } finally {
    await Deno.remove(missing);
  }
});
