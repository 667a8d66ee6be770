import assert from "node:assert/strict";
import { type RawBatch, textRows } from "./text_rows.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("textRows keys each value's text by its column and keeps null", () => {
  const columns = [{ name: "at", type: 1082 }, { name: "note", type: 25 }];
  const batch: RawBatch = Object.assign([[bytes("infinity"), null], [
    bytes("4713-01-01 BC"),
    bytes("é"),
  ]], {
    columns,
  });
  const rows = textRows(batch, []);
  assert.deepEqual([...rows], [{ at: "infinity", note: null }, { at: "4713-01-01 BC", note: "é" }]);
  assert.deepEqual(rows.columns, columns);
});

Deno.test("textRows takes the columns it is given for a batch that carries none", () => {
  const rows = textRows([[bytes("1")]], [{ name: "id", type: 23 }]);
  assert.deepEqual([...rows], [{ id: "1" }]);
  assert.deepEqual(rows.columns, [{ name: "id", type: 23 }]);
});
