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

Deno.test("csvRecordCounter counts what a byte-by-byte reading counts, however the bytes are cut", async () => {
  // Deterministic pseudo-random CSV made of the bytes that matter and others.
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const alphabet = ['"', "\n", ",", "a", "é", '""'];
  const text = Array.from({ length: 5000 }, () => alphabet[Math.floor(random() * alphabet.length)])
    .join("");
  const bytes = new TextEncoder().encode(text);
  let inQuotes = false;
  let lines = 0;
  for (const byte of bytes) {
    if (byte === 0x22) inQuotes = !inQuotes;
    else if (byte === 0x0a && !inQuotes) lines++;
  }
  for (const size of [1, 7, 64, 5000]) {
    const chunks: string[] = [];
    for (let at = 0; at < text.length; at += size) chunks.push(text.slice(at, at + size));
    assert.equal(await count(...chunks), Math.max(lines - 1, 0), `chunks of ${size}`);
  }
});
