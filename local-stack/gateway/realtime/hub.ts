// Delivery of Broadcast from Database: the rows inserted into realtime.messages reach the channels
// joined to their topic. Hosted Realtime reads them from the WAL; here the platform's trigger
// notifies `realtime_messages` with each id at commit, and the hub reads the committed rows and
// hands each to the channels of its topic, private messages to private channels only, as
// Realtime keeps a topic's private and public channels apart.
import postgres from "postgres";

/** A broadcast as a channel pushes it: `{type: "broadcast", event, payload, meta?}`. */
export interface Broadcast {
  type: "broadcast";
  event: string;
  payload: unknown;
  meta?: Record<string, unknown>;
}

/** A joined channel as the hub sees it. */
export interface Subscriber {
  subTopic: string;
  private: boolean;
  push(broadcast: Broadcast): void;
}

/** The notification channel of platform/06_realtime.sql. */
export const messagesChannel = "realtime_messages";

/** Listens until `close()`; `start()` resolves once the LISTEN is in place. */
export class MessageHub {
  #listener: postgres.Sql;
  #subscribers = new Map<string, Set<Subscriber>>();
  #pending: string[] = [];
  #draining: Promise<void> | null = null;

  constructor(readonly databaseUrl: string, readonly sql: postgres.Sql) {
    this.#listener = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  }

  async start(): Promise<void> {
    await this.#listener.listen(messagesChannel, (id) => this.#arrived(id));
  }

  subscribe(subscriber: Subscriber): void {
    const key = topicKey(subscriber.subTopic, subscriber.private);
    let set = this.#subscribers.get(key);
    if (!set) this.#subscribers.set(key, set = new Set());
    set.add(subscriber);
  }

  unsubscribe(subscriber: Subscriber): void {
    const key = topicKey(subscriber.subTopic, subscriber.private);
    const set = this.#subscribers.get(key);
    set?.delete(subscriber);
    if (set?.size === 0) this.#subscribers.delete(key);
  }

  /** Hands a broadcast to the channels of a topic, `except` one (a sender without `self`). */
  publish(subTopic: string, isPrivate: boolean, broadcast: Broadcast, except?: Subscriber): void {
    for (const subscriber of this.#subscribers.get(topicKey(subTopic, isPrivate)) ?? []) {
      if (subscriber !== except) subscriber.push(broadcast);
    }
  }

  async close(): Promise<void> {
    await this.#listener.end({ timeout: 5 });
    await this.#draining;
  }

  // Ids that arrive while rows are being read wait for the next read: one query for a burst of
  // commits (a claim or completion of many exports) instead of one a message.
  #arrived(id: string): void {
    this.#pending.push(id);
    this.#draining ??= this.#drain().finally(() => this.#draining = null);
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const ids = this.#pending.splice(0);
      try {
        const rows = await this.sql<
          { id: string; topic: string; event: string | null; payload: unknown; private: boolean }[]
        >`
          select id, topic, event, payload, private from realtime.messages
          where id = any(${ids}::uuid[]) and extension = 'broadcast'
          order by inserted_at`;
        for (const row of rows) {
          this.publish(row.topic, row.private, {
            type: "broadcast",
            event: row.event ?? "",
            payload: row.payload,
            meta: { id: row.id },
          });
        }
      } catch (error) {
        console.error("realtime: reading messages failed:", error);
      }
    }
  }
}

function topicKey(subTopic: string, isPrivate: boolean): string {
  return `${isPrivate ? "private" : "public"}:${subTopic}`;
}
