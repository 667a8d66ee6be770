// The wake-up flag: a wake-up is answered once, and waiting for one ends at
// the next wake-up or at once when one is unanswered.
import assert from "node:assert/strict";
import { WakeSignal } from "./wake_signal.ts";

Deno.test("take answers the wake-ups so far, once", () => {
  const woken = new WakeSignal();
  assert.equal(woken.take(), false);
  woken.notify();
  woken.notify();
  assert.equal(woken.take(), true);
  assert.equal(woken.take(), false);
});

Deno.test("next resolves at the next wake-up, or at once when one is unanswered", async () => {
  const woken = new WakeSignal();
  let resumed = false;
  const waiting = woken.next().then(() => resumed = true);
  await Promise.resolve();
  assert.equal(resumed, false, "nothing woke it yet");
  woken.notify();
  await waiting;
  assert.equal(resumed, true);
  // Still unanswered: a wait that starts now does not miss it.
  await woken.next();
  woken.take();
  const next = woken.next();
  let settled = false;
  next.then(() => settled = true);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(settled, false, "an answered wake-up does not end the next wait");
  woken.notify();
  await next;
});
