// One WebSocket connection of the Realtime stand-in: its channels, their joins, heartbeats,
// broadcasts, token updates and leaves, answered as Realtime's channel answers them. It knows
// nothing of the server it sits behind: frames come in through `receive` and go out through a
// `SocketPort`, which both Deno's WebSocket and the npm `ws` package's satisfy.
import type postgres from "postgres";
import type { JwtClaims, VerificationKeys } from "../jwt.ts";
import { nowSeconds } from "../jwt.ts";
import {
  ChannelRefusal,
  type TopicPolicies,
  topicPolicies,
  unauthorized,
  verifyAccessToken,
} from "./authorization.ts";
import type { Broadcast, MessageHub, Subscriber } from "./hub.ts";
import { decode, encode, type PhoenixMessage, type Vsn } from "./protocol.ts";

/** Where frames go. */
export interface SocketPort {
  send(frame: string): void;
  close(code?: number, reason?: string): void;
}

/** What a connection needs from the gateway. */
export interface ConnectionContext {
  sql: postgres.Sql;
  hub: MessageHub;
  keys: VerificationKeys;
}

/** The caller the socket's API key stands for, used by joins that send no token of their own. */
export interface KeyCaller {
  token: string;
  claims: JwtClaims;
}

interface Channel extends Subscriber {
  topic: string;
  joinRef: string | null;
  token: string;
  claims: JwtClaims;
  policies: TopicPolicies | null;
  self: boolean;
  ack: boolean;
  expiry?: ReturnType<typeof setTimeout>;
}

// Realtime re-checks a token when it expires; a timer cannot wait longer than this.
const maxTimerMs = 60 * 60 * 1000;

export class RealtimeConnection {
  #channels = new Map<string, Channel>();
  // Frames are handled one after another, as a Phoenix socket process does.
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    readonly port: SocketPort,
    readonly vsn: Vsn,
    readonly context: ConnectionContext,
    readonly keyCaller: KeyCaller,
  ) {}

  /** A frame from the client. */
  receive(frame: string | ArrayBuffer): void {
    this.#queue = this.#queue.then(() => this.#handle(frame)).catch((error) => {
      console.error("realtime: frame failed:", error);
    });
  }

  /** The socket closed: its channels leave. */
  closed(): void {
    this.#closed = true;
    for (const channel of this.#channels.values()) this.#drop(channel);
  }

  async #handle(frame: string | ArrayBuffer): Promise<void> {
    let message: PhoenixMessage;
    try {
      message = decode(this.vsn, frame);
    } catch {
      this.port.close(1003, "unreadable frame");
      return;
    }
    const { topic, event } = message;
    if (topic === "phoenix" && event === "heartbeat") return this.#reply(message, "ok", {});
    if (event === "phx_join") return await this.#join(message);
    const channel = this.#channels.get(topic);
    if (!channel || channel.joinRef !== (message.join_ref ?? channel.joinRef)) {
      return this.#reply(message, "error", { reason: "unmatched topic" });
    }
    switch (event) {
      case "phx_leave":
        this.#reply(message, "ok", {});
        this.#drop(channel);
        this.#push(channel, "phx_close", {});
        return;
      case "access_token":
        return await this.#updateToken(channel, message.payload.access_token);
      case "broadcast":
        return this.#broadcast(channel, message);
      default:
        // Presence and postgres_changes are not served (local-stack/README.md).
        return this.#reply(message, "error", {
          reason: `${event} is not served by the local Realtime stand-in`,
        });
    }
  }

  async #join(message: PhoenixMessage): Promise<void> {
    const { topic, payload } = message;
    const previous = this.#channels.get(topic);
    if (previous) {
      this.#drop(previous);
      this.#push(previous, "phx_close", {});
    }
    if (!topic.startsWith("realtime:") || topic === "realtime:") {
      return this.#reply(message, "error", {
        reason: "TopicNameRequired: You must provide a topic name",
      });
    }
    const subTopic = topic.slice("realtime:".length);
    const config = (payload.config ?? {}) as {
      private?: boolean;
      broadcast?: { self?: boolean; ack?: boolean };
      postgres_changes?: unknown[];
    };
    const isPrivate = config.private === true;
    try {
      const { token, claims } = await this.#caller(payload.access_token ?? payload.user_token);
      const policies = isPrivate ? await topicPolicies(this.context.sql, subTopic, claims) : null;
      if (policies && !policies.read) throw unauthorized(subTopic);
      const channel: Channel = {
        topic,
        subTopic,
        private: isPrivate,
        joinRef: message.join_ref ?? message.ref,
        token,
        claims,
        policies,
        self: config.broadcast?.self === true,
        ack: config.broadcast?.ack === true,
        push: (broadcast: Broadcast) => this.#push(channel, "broadcast", broadcast, null),
      };
      if (this.#closed) return;
      this.#channels.set(topic, channel);
      this.context.hub.subscribe(channel);
      this.#watchExpiry(channel);
      this.#reply(message, "ok", { postgres_changes: [] });
      if (Array.isArray(config.postgres_changes) && config.postgres_changes.length > 0) {
        this.#push(channel, "system", {
          extension: "postgres_changes",
          status: "error",
          message: "postgres_changes are not served by the local Realtime stand-in",
          channel: subTopic,
        });
      }
    } catch (error) {
      if (!(error instanceof ChannelRefusal)) {
        console.error(`realtime: join of ${topic} failed:`, error);
        return this.#reply(message, "error", { reason: "Unknown Error on Channel" });
      }
      this.#reply(message, "error", { reason: error.message });
    }
  }

  /** The token a join or update names, else the API key's caller; `sb_` keys stand for the key. */
  async #caller(sent: unknown): Promise<KeyCaller> {
    if (typeof sent !== "string" || sent.startsWith("sb_")) return this.keyCaller;
    return { token: sent, claims: await verifyAccessToken(sent, this.context.keys) };
  }

  async #updateToken(channel: Channel, sent: unknown): Promise<void> {
    if (typeof sent !== "string" || sent.startsWith("sb_") || sent === channel.token) return;
    try {
      const { claims } = await this.#caller(sent);
      if (channel.private) {
        const policies = await topicPolicies(this.context.sql, channel.subTopic, claims);
        if (channel.policies?.read && !policies.read) {
          return this.#shutdown(
            channel,
            `You no longer have permission to read from this Channel topic: ${channel.subTopic}`,
          );
        }
        channel.policies = policies;
      }
      channel.token = sent;
      channel.claims = claims;
      this.#watchExpiry(channel);
    } catch (error) {
      if (!(error instanceof ChannelRefusal)) throw error;
      this.#shutdown(channel, error.detail);
    }
  }

  #broadcast(channel: Channel, message: PhoenixMessage): void {
    // A private channel sends only where its RLS lets the user insert; Realtime drops the rest.
    if (channel.private && !channel.policies?.write) return;
    const { event, payload } = message.payload as { event?: unknown; payload?: unknown };
    if (typeof event === "string") {
      const broadcast: Broadcast = { type: "broadcast", event, payload };
      this.context.hub.publish(
        channel.subTopic,
        channel.private,
        broadcast,
        channel.self ? undefined : channel,
      );
    }
    if (channel.ack) this.#reply(message, "ok", {});
  }

  /** Re-checks the token when it expires; an expired one closes the channel, as Realtime does. */
  #watchExpiry(channel: Channel): void {
    clearTimeout(channel.expiry);
    const exp = channel.claims.exp;
    // A channel joined with the API key's role holds no token that could expire.
    if (typeof exp !== "number" || channel.token === this.keyCaller.token) return;
    const wait = Math.min(Math.max(exp - nowSeconds(), 0) * 1000, maxTimerMs);
    channel.expiry = setTimeout(() => {
      this.#queue = this.#queue.then(async () => {
        if (this.#channels.get(channel.topic) !== channel) return;
        try {
          await verifyAccessToken(channel.token, this.context.keys);
          this.#watchExpiry(channel);
        } catch (error) {
          if (!(error instanceof ChannelRefusal)) throw error;
          this.#shutdown(channel, error.detail);
        }
      });
    }, wait);
  }

  /** Realtime's shutdown_response: a system message with the reason, then the channel closes. */
  #shutdown(channel: Channel, reason: string): void {
    this.#push(channel, "system", {
      extension: "system",
      status: "error",
      message: reason,
      channel: channel.subTopic,
    });
    this.#drop(channel);
    this.#push(channel, "phx_close", {});
  }

  #drop(channel: Channel): void {
    clearTimeout(channel.expiry);
    this.context.hub.unsubscribe(channel);
    if (this.#channels.get(channel.topic) === channel) this.#channels.delete(channel.topic);
  }

  #reply(to: PhoenixMessage, status: "ok" | "error", response: Record<string, unknown>): void {
    this.#send({
      join_ref: to.join_ref,
      ref: to.ref,
      topic: to.topic,
      event: "phx_reply",
      payload: { status, response },
    });
  }

  #push(
    channel: Channel,
    event: string,
    payload: object,
    joinRef: string | null = channel.joinRef,
  ): void {
    this.#send({
      join_ref: joinRef,
      ref: null,
      topic: channel.topic,
      event,
      payload: payload as Record<string, unknown>,
    });
  }

  #send(message: PhoenixMessage): void {
    if (this.#closed) return;
    try {
      this.port.send(encode(this.vsn, message));
    } catch {
      // The socket is closing: its close event drops the channels.
    }
  }
}
