import assert from "node:assert/strict";
import { coalesceChunks } from "./coalesce_chunks.ts";

async function rechunk(chunks: Uint8Array[], blockSize: number): Promise<Uint8Array[]> {
  return await Array.fromAsync(ReadableStream.from(chunks).pipeThrough(coalesceChunks(blockSize)));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(chunks.flatMap((chunk) => [...chunk]));
}

Deno.test("coalesceChunks keeps every byte in order while gathering small chunks into blocks", async () => {
  const input = Array.from({ length: 100 }, (_, i) => new Uint8Array(7).fill(i));
  const output = await rechunk(input, 64);
  assert.deepEqual(concat(output), concat(input));
  assert.deepEqual(output.map((block) => block.length), [...Array(10).fill(64), 60]);
});

Deno.test("coalesceChunks passes a large chunk at a block boundary through uncopied", async () => {
  const large = new Uint8Array(256).fill(1);
  const output = await rechunk([large, new Uint8Array(3).fill(2)], 64);
  assert.equal(output[0], large);
  assert.deepEqual(output.map((block) => block.length), [256, 3]);
});

Deno.test("coalesceChunks splits a large chunk that arrives mid-block", async () => {
  const output = await rechunk([new Uint8Array(10).fill(1), new Uint8Array(130).fill(2)], 64);
  assert.deepEqual(output.map((block) => block.length), [64, 64, 12]);
  assert.deepEqual(
    concat(output),
    concat([new Uint8Array(10).fill(1), new Uint8Array(130).fill(2)]),
  );
});

Deno.test("coalesceChunks of nothing is nothing", async () => {
  assert.deepEqual(await rechunk([], 64), []);
});
