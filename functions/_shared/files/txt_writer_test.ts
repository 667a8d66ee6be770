// The txt writer: aligned tables a batch, numbers to the right, line breaks
// and long lines marked as psql marks them, controls pictured, wide
// characters counted as two columns.
import assert from "node:assert/strict";
import { displayWidth, pictured, txtFile, txtMaxColumnWidth, txtTable } from "./txt_writer.ts";
import type { RowBatch } from "./xlsx_writer.ts";

async function* batchesOf(...batches: RowBatch[]): AsyncGenerator<RowBatch> {
  yield* batches;
}

const int4 = 23;
const text = 25;

Deno.test("a table aligns its columns, numbers to the right, under a rule", () => {
  assert.equal(
    txtTable(["name", "n"], [text, int4], [["a", "1"], ["longer", "12345"], [null, null]]),
    [
      " name   | n     ",
      "--------+-------",
      " a      |     1 ",
      " longer | 12345 ",
      "        |       ",
      "",
    ].join("\n"),
  );
});

Deno.test("a line break continues the cell on the next line, marked +; a long line wraps, marked .", () => {
  const long = "x".repeat(txtMaxColumnWidth + 5);
  const table = txtTable(["t", "u"], [text, text], [["one\r\ntwo\rthree", long]]).split("\n");
  assert.deepEqual(table.slice(2, 5).map((line) => line.trimEnd()), [
    ` one  +| ${"x".repeat(txtMaxColumnWidth)}.`,
    " two  +| xxxxx",
    " three |",
  ]);
});

Deno.test("controls show as their pictures, and wide characters take two columns", () => {
  assert.equal(pictured("a\tb\u0001c\u007fd\u0085e"), "a\u2409b\u2401c\u2421d\ufffde");
  assert.equal(displayWidth("東京😀ab"), 8);
  const [header, rule, row] = txtTable(["c"], [text], [["東京"]]).split("\n");
  assert.equal(rule.length, 6, "the column is as wide as the two wide characters");
  assert.equal(displayWidth(row), displayWidth(header));
});

Deno.test("a file has its title, a table a batch, and its count of rows", async () => {
  const columns = [{ name: "n", type: int4 }];
  const file = await new Response(
    txtFile(batchesOf(Object.assign([{ n: "1" }], { columns }), [{ n: "2" }]), { title: "items" }),
  ).text();
  assert.equal(
    file,
    "items\n\n n \n---\n 1 \n\n n \n---\n 2 \n\n(2 rows)\n",
  );
});

Deno.test("a file of no rows still shows its header", async () => {
  const columns = [{ name: "n", type: int4 }];
  const file = await new Response(
    txtFile(batchesOf(Object.assign([], { columns })), { title: "none" }),
  ).text();
  assert.equal(file, "none\n\n n \n---\n(0 rows)\n");
});
