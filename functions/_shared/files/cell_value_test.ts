import assert from "node:assert/strict";
import { toCellText, toCellValue } from "./cell_value.ts";

Deno.test("toCellValue keeps numbers, booleans, text and dates typed", () => {
  const at = new Date("2026-01-02T03:04:05Z");
  assert.deepEqual([1.5, true, "x", at].map(toCellValue), [1.5, true, "x", at]);
});

Deno.test("toCellValue renders json values and arrays as JSON text", () => {
  assert.deepEqual(toCellValue({ a: [1, "b"] }), '{"a":[1,"b"]}');
  assert.deepEqual(toCellValue([1, 2]), "[1,2]");
});

Deno.test("toCellValue renders null as an empty cell and bytes as Postgres hex", () => {
  assert.deepEqual(toCellValue(null), null);
  assert.deepEqual(toCellValue(new Uint8Array([1, 255])), "\\x01ff");
});

Deno.test("values given as Postgres text are typed by their column's type", () => {
  assert.deepEqual(toCellValue("t", 16), true);
  assert.deepEqual(toCellValue("-Infinity", 701), -Infinity);
  assert.deepEqual(toCellValue("9223372036854775807", 20), "9223372036854775807");
  assert.deepEqual(toCellValue("infinity", 1082), "infinity");
  assert.deepEqual(toCellText("f", 16), "false");
  assert.deepEqual(toCellText("5874897-12-31", 1082), "5874897-12-31");
});

Deno.test("toCellText never fails on a Date JavaScript cannot represent", () => {
  assert.deepEqual(toCellText(new Date(NaN)), "Invalid Date");
});

Deno.test("toCellText renders dates as ISO 8601 and null as nothing", () => {
  assert.deepEqual(toCellText(new Date("2026-01-02T03:04:05Z")), "2026-01-02T03:04:05.000Z");
  assert.deepEqual(toCellText(null), "");
});
