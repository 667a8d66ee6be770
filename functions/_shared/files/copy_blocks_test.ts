import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { copyBlocks, copyRowBatches } from "./copy_blocks.ts";

/** A source like postgres.js's COPY stream: one small chunk a row, pushed as the socket delivers. */
function rows(count: number, rowSize: number): Readable & { produced(): number } {
  let produced = 0;
  const stream = new Readable({
    read() {
      while (produced < count) {
        produced++;
        if (!this.push(new Uint8Array(rowSize).fill(produced % 251))) return;
      }
      this.push(null);
    },
  });
  return Object.assign(stream, { produced: () => produced });
}

Deno.test("copyBlocks keeps every byte in order, in full blocks", async () => {
  const blocks = await Array.fromAsync(copyBlocks(rows(100, 7), 64));
  assert.deepEqual(blocks.map((block) => block.length), [...Array(10).fill(64), 60]);
  const expected = Array.from({ length: 100 }, (_, i) => Array(7).fill((i + 1) % 251)).flat();
  assert.deepEqual([...new Uint8Array(blocks.flatMap((block) => [...block]))], expected);
});

Deno.test("copyBlocks pauses its source while nobody reads", async () => {
  const source = rows(1_000_000, 100);
  const reader = copyBlocks(source, 1024).getReader();
  await reader.read();
  await new Promise((resolve) => setTimeout(resolve, 50));
  // A few blocks ahead plus the source's own 16 KiB buffer, not a million rows.
  assert.ok(source.produced() < 1_000, `the source produced ${source.produced()} rows unread`);
  assert.ok(source.isPaused());
  await reader.cancel();
});

Deno.test("copyBlocks fails the stream with the source's error", async () => {
  const failing = new Readable({ read() {} });
  const blocks = copyBlocks(failing, 64);
  failing.push(new Uint8Array(10));
  failing.destroy(new Error("canceling statement due to statement timeout"));
  await assert.rejects(Array.fromAsync(blocks), /statement timeout/);
});

Deno.test("canceling copyBlocks destroys its source", async () => {
  const source = rows(1_000_000, 100);
  const reader = copyBlocks(source, 1024).getReader();
  await reader.read();
  await reader.cancel(new Error("the export was canceled"));
  assert.ok(source.destroyed);
});

Deno.test("canceling copyBlocks hands its source to onCancel, and takes no more of it", async () => {
  const source = rows(1_000_000, 100);
  let canceled = 0;
  const reader = copyBlocks(source, 1024, () => canceled++).getReader();
  await reader.read();
  await reader.cancel(new Error("the export was canceled"));
  assert.equal(canceled, 1);
  assert.equal(source.destroyed, false);
  // What the source still sends must not reach the canceled stream, which would throw.
  source.resume();
  await new Promise((resolve) => source.once("end", resolve));
});

Deno.test("copyRowBatches hands over every row whole, in batches of about the size asked", async () => {
  const batches = await Array.fromAsync(copyRowBatches(rows(100, 7), 64));
  // A batch closes once it holds 64 bytes: ten rows of 7.
  assert.deepEqual(batches.map((batch) => batch.length), Array(10).fill(10));
  const all = batches.flat();
  assert.ok(all.every((row, i) => row.length === 7 && row[0] === (i + 1) % 251));
});

Deno.test("copyRowBatches pauses its source while nobody reads", async () => {
  const source = rows(1_000_000, 100);
  const reader = copyRowBatches(source, 1024).getReader();
  await reader.read();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(source.produced() < 1_000, `the source produced ${source.produced()} rows unread`);
  await reader.cancel();
});
