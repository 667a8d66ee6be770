// Subscribing to the exports' Realtime topics with the real @supabase/realtime-js (through
// supabase-js), as a client app does: a private channel joined with the user's access token.
import type { RealtimeChannel } from "@supabase/supabase-js";
import { type TestClient, userClient } from "../support/clients.ts";
import type { TestUser } from "../support/users.ts";

/** One broadcast as realtime-js hands it to `.on('broadcast', …)`. */
export interface ReceivedBroadcast {
  event: string;
  payload: { export?: Record<string, unknown>; id?: string };
}

/** A join's outcome and the broadcasts received since. */
export interface Subscription {
  status: string;
  error?: Error;
  received: ReceivedBroadcast[];
  client: TestClient;
  channel: RealtimeChannel;
  /** Leaves the channel and closes the socket. */
  close(): Promise<void>;
}

/** Joins `topic` as `user`, privately; resolves with the first status realtime-js reports. */
export async function subscribe(
  user: TestUser,
  topic: string,
  options: { vsn?: "1.0.0" | "2.0.0" } = {},
): Promise<Subscription> {
  const client = userClient(user.token, { realtimeVsn: options.vsn });
  await client.realtime.setAuth(user.token);
  const received: ReceivedBroadcast[] = [];
  const channel = client.channel(topic, { config: { private: true } })
    .on("broadcast", { event: "*" }, (message) => {
      received.push({ event: message.event, payload: message.payload });
    });
  const { status, error } = await new Promise<{ status: string; error?: Error }>((resolve) => {
    channel.subscribe((status, error) => resolve({ status, error }));
  });
  return {
    status,
    error,
    received,
    client,
    channel,
    async close() {
      await client.removeAllChannels();
      client.realtime.disconnect();
    },
  };
}
