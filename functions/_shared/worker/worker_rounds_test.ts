// The chain of rounds with a clock of the test's own: wake-ups during a round
// earn one more round, never more rounds than the budget allows.
import assert from "node:assert/strict";
import { roundRunner } from "./worker_rounds.ts";

/** A clock that moves only when a round says it took time. */
function fakeClock() {
  let time = 1_000;
  return { now: () => time, advance: (ms: number) => time += ms };
}

/**
 * A chain with a budget of 1,000 ms whose rounds record the budget they get,
 * call `during(round, wake)` (round counts from 1), then take `roundMs` on the
 * fake clock.
 */
function recordingChain(
  roundMs: number,
  during: (round: number, wake: () => Promise<void>) => void = () => {},
) {
  const clock = fakeClock();
  const budgets: number[] = [];
  const wake: () => Promise<void> = roundRunner((budgetMs) => {
    budgets.push(budgetMs);
    during(budgets.length, wake);
    clock.advance(roundMs);
    return Promise.resolve();
  }, { budgetMs: 1_000, now: clock.now });
  return { wake, budgets };
}

Deno.test("wake-ups during a round earn one more round, not one each", async () => {
  const { wake, budgets } = recordingChain(10, (round, wake) => {
    if (round === 1) {
      wake();
      wake();
    }
  });
  await wake();
  assert.deepEqual(budgets, [1_000, 990]);
});

Deno.test("the budget spans the chain: each round gets what is left, and none starts after it", async () => {
  // Every round is woken again: only the budget ends the chain.
  const { wake, budgets } = recordingChain(400, (_, wake) => wake());
  await wake();
  assert.deepEqual(budgets, [1_000, 600, 200]);
});

Deno.test("a wake-up after the chain has ended starts a new chain with the whole budget", async () => {
  const { wake, budgets } = recordingChain(700);
  await wake();
  await wake();
  assert.deepEqual(budgets, [1_000, 1_000]);
});

Deno.test("a round that throws is logged and the chain goes on", async () => {
  const clock = fakeClock();
  let rounds = 0;
  let wake: () => Promise<void> = () => Promise.resolve();
  const errors: unknown[] = [];
  const logged = console.error;
  console.error = (...args: unknown[]) => errors.push(args);
  try {
    wake = roundRunner(() => {
      rounds++;
      if (rounds === 1) {
        wake();
        return Promise.reject(new Error("the database went away"));
      }
      return Promise.resolve();
    }, { budgetMs: 1_000, now: clock.now });
    await wake();
  } finally {
    console.error = logged;
  }
  assert.equal(rounds, 2);
  assert.equal(errors.length, 1);
});

Deno.test("a round is handed the wake-ups that arrive during it", async () => {
  let rounds = 0;
  let wake: () => Promise<void> = () => Promise.resolve();
  wake = roundRunner(async (_budgetMs, woken) => {
    rounds++;
    // A round that waits for a wake-up is resumed by one, and answers it.
    const resumed = woken.next();
    wake();
    await resumed;
    woken.take();
  }, { budgetMs: 1_000 });
  await wake();
  assert.equal(rounds, 1, "a wake-up the round answered earns no further round");
});
