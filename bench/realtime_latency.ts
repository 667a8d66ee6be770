// The Realtime figures: how long a broadcast takes from the database to the subscribed clients.
// A household's members join its private topic with supabase-js (realtime-js, each with its own
// socket), then messages are sent with realtime.send (the row the exports' triggers write), one at
// a time; each is timed from the moment its statement (which commits it) is sent to its arrival at
// each subscriber. The baseline is Postgres's own floor for the same commits: a plain LISTEN
// connection's time to the NOTIFY the stand-in reacts to.
import postgres from "postgres";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { BenchConfig } from "./config.ts";
import type { Figure } from "./figure.ts";
import { settleQueue } from "./queue_idle.ts";
import { claimsOf, otherUserId, type Stack, userToken } from "./stack.ts";
import { percentile, summarize } from "./stats.ts";
import { sample } from "./timing.ts";

/** The notification channel the local Realtime stand-in listens to (platform/06_realtime.sql). */
const messagesChannel = "realtime_messages";

/** How long one message may take to reach every subscriber before the run fails. */
const deliveryTimeoutMs = 10_000;

/** Joins `topic` privately as a user; resolves once subscribed, with the join's duration. */
async function join(
  client: SupabaseClient,
  topic: string,
  onMessage: (key: string) => void,
): Promise<number> {
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    client.channel(topic, { config: { private: true } })
      .on("broadcast", { event: "bench" }, (message) => onMessage(message.payload.key))
      .subscribe((status, error) => {
        if (status === "SUBSCRIBED") resolve();
        else reject(new Error(`a subscriber's join ended ${status}: ${error?.message}`));
      });
  });
  return performance.now() - start;
}

/**
 * Measures delivery p50 and p99 over `realtimeMessages` messages a run to `realtimeSubscribers`
 * members of one household, with the LISTEN baseline beside it.
 */
export async function measureRealtime(
  stack: Stack,
  config: BenchConfig,
  sql: postgres.Sql,
): Promise<Figure[]> {
  const subscribers = config.realtimeSubscribers;
  if (subscribers > config.otherUsers) {
    throw new Error(`--realtime-subscribers (${subscribers}) cannot exceed --other-users`);
  }
  const scope = crypto.randomUUID();
  const topic = `exports:scope:${scope}`;
  const members = Array.from({ length: subscribers }, (_, k) => otherUserId(k + 1));
  await sql`
    insert into exports.scope_members (scope_id, user_id)
    select ${scope}, member from unnest(${members}::uuid[]) as member`;

  // key -> arrival times at the subscribers, for the message in flight.
  const arrivals = new Map<string, number[]>();
  let delivered: (() => void) | null = null;
  const onMessage = (key: string) => {
    const times = arrivals.get(key);
    if (!times) return;
    times.push(performance.now());
    if (times.length === subscribers) delivered?.();
  };
  let notified: ((at: number) => void) | null = null;
  const listener = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  const sender = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  const clients: SupabaseClient[] = [];
  try {
    await listener.listen(messagesChannel, () => notified?.(performance.now()));
    const joins: number[] = [];
    for (const member of members) {
      const client = createClient(stack.apiUrl, stack.publishableKey, {
        auth: { persistSession: false, autoRefreshToken: false },
      });
      clients.push(client);
      await client.realtime.setAuth(await userToken(stack, claimsOf(member)));
      joins.push(await join(client, topic, onMessage));
    }
    await settleQueue(sql, "the Realtime figures");

    const runs = await sample(config.runs, async () => {
      const latencies: number[] = [];
      const floors: number[] = [];
      for (let message = 0; message < config.realtimeMessages; message++) {
        const key = crypto.randomUUID();
        arrivals.set(key, []);
        const allArrived = new Promise<void>((resolve, reject) => {
          delivered = resolve;
          setTimeout(
            () => reject(new Error(`message ${key} did not reach every subscriber`)),
            deliveryTimeoutMs,
          );
        });
        const notification = new Promise<number>((resolve) => notified = resolve);
        const sent = performance.now();
        await sender`select realtime.send(${sender.json({ key })}, 'bench', ${topic}, true)`;
        await allArrived;
        floors.push(await notification - sent);
        latencies.push(...arrivals.get(key)!.map((at) => at - sent));
        arrivals.delete(key);
      }
      return { latencies, floors };
    });

    const note = (p: number) =>
      p === 0.5
        ? `${subscribers} subscribers (supabase-js, one socket each, in the bench process) on ` +
          `one private household topic, ${config.realtimeMessages} messages a run sent one at ` +
          "a time with realtime.send; from the committing statement's send to each arrival; " +
          `a private join (RLS check included) took ${percentile(joins, 0.5).toFixed(1)} ms p50`
        : undefined;
    return [0.5, 0.99].map((p) => {
      const value = summarize(runs.map((run) => percentile(run.latencies, p)));
      const floor = summarize(runs.map((run) => percentile(run.floors, p)));
      return {
        name: `Realtime broadcast p${Math.round(p * 100)}, ${subscribers} subscribers`,
        value,
        unit: "ms" as const,
        baseline: { name: "LISTEN", value: floor },
        ratio: floor.median / value.median,
        note: note(p),
      };
    });
  } finally {
    for (const client of clients) {
      await client.removeAllChannels();
      client.realtime.disconnect();
    }
    await listener.end();
    await sender.end();
    await sql`delete from exports.scope_members where scope_id = ${scope}`;
  }
}
