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
  // Deterministic pseudo-random CSV made of the bytes that matter and others,
  // long enough for runs of words without either.
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const alphabet = ['"', "\n", ",", "a", "é", '""', "plain text without either "];
  const text = Array.from(
    { length: 20_000 },
    () => alphabet[Math.floor(random() * alphabet.length)],
  )
    .join("");
  const encoded = new TextEncoder().encode(text);
  let inQuotes = false;
  let lines = 0;
  for (const byte of encoded) {
    if (byte === 0x22) inQuotes = !inQuotes;
    else if (byte === 0x0a && !inQuotes) lines++;
  }
  // The bytes one past a word boundary of their buffer, so that chunks start
  // at every alignment, as views into a shared buffer do.
  const shared = new Uint8Array(encoded.length + 1);
  shared.set(encoded, 1);
  const bytes = shared.subarray(1);
  for (const size of [1, 3, 7, 64, 4099, bytes.length]) {
    const counter = csvRecordCounter();
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
    await ReadableStream.from(chunks).pipeThrough(counter.stream).pipeTo(new WritableStream());
    assert.equal(counter.records(), Math.max(lines - 1, 0), `chunks of ${size}`);
  }
});
