import assert from "node:assert/strict";
import { watchStorage } from "./storage_watch.ts";
import { StorageFailure } from "./worker_failure.ts";

function chunks(...parts: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return ReadableStream.from(parts.map((part) => encoder.encode(part)));
}

Deno.test("a Storage that reads the body and answers is never called stalled", async () => {
  const watch = watchStorage(chunks("a", "b", "c"), 200);
  const text = await new Response(watch.body).text();
  watch.end();
  assert.equal(text, "abc");
  const outcome = await Promise.race([
    watch.stalled.then(() => "stalled", () => "stalled"),
    new Promise((resolve) => setTimeout(() => resolve("quiet"), 400)),
  ]);
  assert.equal(outcome, "quiet");
});

Deno.test("a Storage that stops asking for the body is stalled after the timeout", async () => {
  const watch = watchStorage(chunks("a", "b", "c"), 100);
  const reader = watch.body.getReader();
  await reader.read();
  const started = Date.now();
  await assert.rejects(watch.stalled, (error) => {
    assert.ok(error instanceof StorageFailure);
    assert.equal(error.status, 0);
    return true;
  });
  assert.ok(Date.now() - started >= 100, "not before the timeout");
  watch.end();
});

Deno.test("a Storage that has the whole body but never answers is stalled", async () => {
  const watch = watchStorage(chunks("a"), 100);
  await new Response(watch.body).text();
  await assert.rejects(watch.stalled, StorageFailure);
  watch.end();
});

Deno.test("a slow source is not Storage's stall: the watch waits only on Storage", async () => {
  let release = () => {};
  const slow = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise<void>((resolve) => release = resolve);
      controller.enqueue(new Uint8Array([1]));
      controller.close();
    },
  });
  const watch = watchStorage(slow, 100);
  const read = new Response(watch.body).arrayBuffer();
  await new Promise((resolve) => setTimeout(resolve, 300));
  release();
  assert.equal((await read).byteLength, 1);
  watch.end();
  const outcome = await Promise.race([
    watch.stalled.then(() => "stalled", () => "stalled"),
    new Promise((resolve) => setTimeout(() => resolve("quiet"), 50)),
  ]);
  assert.equal(outcome, "quiet");
});
