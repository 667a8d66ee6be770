import assert from "node:assert/strict";
import { copyTextRows, decodeCopyTextLine } from "./copy_text.ts";

async function rowsOf(...chunks: Uint8Array[]): Promise<string[]> {
  const rows: string[] = [];
  const body = ReadableStream.from(chunks).pipeThrough(copyTextRows());
  for await (const row of body) rows.push(row);
  return rows;
}

Deno.test("decodeCopyTextLine undoes every escape COPY TO emits", () => {
  assert.deepEqual(decodeCopyTextLine("a\\\\b\\nc\\rd\\te\\bf\\fg\\vh"), "a\\b\nc\rd\te\bf\fg\vh");
});

Deno.test("decodeCopyTextLine refuses an escape COPY TO never emits", () => {
  assert.throws(() => decodeCopyTextLine("\\x41"), /unexpected COPY text escape/);
});

Deno.test("copyTextRows splits rows on raw newlines only", async () => {
  const bytes = new TextEncoder().encode('{"a":"x\\\\ny"}\n{"b":1}\n');
  assert.deepEqual(await rowsOf(bytes), ['{"a":"x\\ny"}', '{"b":1}']);
});

Deno.test("copyTextRows reassembles a character split across chunks", async () => {
  const bytes = new TextEncoder().encode("😀 ok\n");
  assert.deepEqual(await rowsOf(bytes.slice(0, 2), bytes.slice(2)), ["😀 ok"]);
});

Deno.test("copyTextRows rejects output that ends mid-row", async () => {
  const failed = await rowsOf(new TextEncoder().encode("half")).then(() => false, () => true);
  assert.deepEqual(failed, true);
});
