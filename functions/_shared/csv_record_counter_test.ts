import assert from "node:assert/strict";
import { csvRecordCounter } from "./csv_record_counter.ts";

async function count(...chunks: string[]): Promise<number> {
  const counter = csvRecordCounter();
  const parts = chunks.map((chunk) => new TextEncoder().encode(chunk));
  await ReadableStream.from(parts).pipeThrough(counter.stream).pipeTo(new WritableStream());
  return counter.records();
}

Deno.test("csvRecordCounter does not count the header", async () => {
  assert.deepEqual(await count("a,b\n"), 0);
});

Deno.test("csvRecordCounter ignores newlines inside quoted values, across chunks", async () => {
  assert.deepEqual(await count('a,b\n1,"x\n', 'y ""q""\n"\n2,z\n'), 2);
});
