import assert from "node:assert/strict";
import { Slots } from "./slots.ts";

Deno.test("slots let `size` holders in at once and the next in when one gives back", async () => {
  const slots = new Slots(2);
  const first = await slots.take();
  await slots.take();
  let third = false;
  const waiting = slots.take().then((give) => {
    third = true;
    return give;
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(third, false, "the third waits while two hold a slot");
  first();
  first();
  (await waiting)();
  assert.equal(third, true);
  await slots.take();
  let fourth = false;
  slots.take().then(() => fourth = true);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(fourth, false, "giving back twice frees one slot, not two");
});

Deno.test("a wait for a slot ends with the signal's reason when it aborts", async () => {
  const slots = new Slots(1);
  const give = await slots.take();
  const stop = new AbortController();
  const waiting = slots.take(stop.signal);
  stop.abort(new Error("canceled"));
  await assert.rejects(waiting, { message: "canceled" });
  give();
  const again = await slots.take();
  again();
});
