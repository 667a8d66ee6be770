// The gateway's Realtime stand-in at the Phoenix protocol level, with a raw WebSocket: heartbeats,
// unmatched topics, delivery of realtime.send's messages, leaves, token updates and expiry, and
// broadcasts from clients, answered as the Realtime server answers them.
import assert from "node:assert/strict";
import type postgres from "postgres";
import { withDb } from "../support/db.ts";
import { stackEnv } from "../support/env.ts";
import { startTestGateway } from "../support/gateway.ts";
import { tcpRelay } from "../support/tcp_relay.ts";
import { createTestUser, type TestUser } from "../support/users.ts";

type Frame = [string | null, string | null, string, string, Record<string, unknown>];

/** A Phoenix socket speaking vsn 2.0.0, keeping every frame it receives. */
class RawSocket {
  frames: Frame[] = [];
  #ref = 0;

  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (event) => this.frames.push(JSON.parse(event.data));
  }

  static open(
    apikey = stackEnv().publishableKey,
    base = stackEnv().supabaseUrl,
  ): Promise<RawSocket> {
    const url = new URL("/realtime/v1/websocket", base.replace("http", "ws"));
    url.searchParams.set("apikey", apikey);
    url.searchParams.set("vsn", "2.0.0");
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(new RawSocket(ws));
      ws.onerror = () => reject(new Error("the socket was refused"));
    });
  }

  /** Sends a message; returns its ref. */
  push(topic: string, event: string, payload: Record<string, unknown>, joinRef?: string): string {
    const ref = String(++this.#ref);
    this.ws.send(JSON.stringify([joinRef ?? ref, ref, topic, event, payload]));
    return ref;
  }

  /** Joins `realtime:<subTopic>` and returns the join's reply and join ref. */
  async join(subTopic: string, token: string, config: Record<string, unknown> = {}) {
    const ref = this.push(`realtime:${subTopic}`, "phx_join", {
      config: { broadcast: { self: false, ack: false }, private: true, ...config },
      access_token: token,
    });
    const reply = await this.next((f) => f[3] === "phx_reply" && f[1] === ref);
    return { ref, reply: reply[4] };
  }

  /** The first frame, received or to come, that matches. */
  async next(matches: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.frames.find(matches);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no matching frame in ${JSON.stringify(this.frames)}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.onclose = () => resolve();
      this.ws.close();
    });
  }
}

async function send(topic: string, event: string, payload: Record<string, unknown>) {
  await withDb((sql) =>
    sql`select realtime.send(${sql.json(payload as postgres.JSONValue)}, ${event}, ${topic}, true)`
  );
}

const userTopic = (user: TestUser) => `exports:user:${user.id}`;

Deno.test("heartbeats are answered, and a message to a topic not joined is refused", async () => {
  const socket = await RawSocket.open();
  try {
    const ref = socket.push("phoenix", "heartbeat", {});
    const reply = await socket.next((f) => f[1] === ref);
    assert.deepEqual(reply.slice(2), ["phoenix", "phx_reply", { status: "ok", response: {} }]);
    const stray = socket.push("realtime:nowhere", "broadcast", { event: "x", payload: {} });
    const refused = await socket.next((f) => f[1] === stray);
    assert.deepEqual(refused[4], { status: "error", response: { reason: "unmatched topic" } });
  } finally {
    await socket.close();
  }
});

Deno.test("a socket with an API key the project does not have is refused", async () => {
  await assert.rejects(RawSocket.open("sb_publishable_not_this_project"), /refused/);
});

Deno.test("realtime.send's messages reach the joined channel until it leaves", async () => {
  const user = await createTestUser();
  const socket = await RawSocket.open();
  try {
    const { ref, reply } = await socket.join(userTopic(user), user.token);
    assert.deepEqual(reply, { status: "ok", response: { postgres_changes: [] } });
    await send(userTopic(user), "progress", { n: 1 });
    const delivered = await socket.next((f) => f[3] === "broadcast");
    const body = delivered[4] as { payload: { id: string }; meta: { id: string } };
    assert.deepEqual(delivered.slice(2, 4), [`realtime:${userTopic(user)}`, "broadcast"]);
    assert.deepEqual(body, {
      type: "broadcast",
      event: "progress",
      payload: { n: 1, id: body.meta.id },
      meta: { id: body.meta.id },
    });

    const leave = socket.push(`realtime:${userTopic(user)}`, "phx_leave", {}, ref);
    assert.deepEqual((await socket.next((f) => f[1] === leave))[4], { status: "ok", response: {} });
    await socket.next((f) => f[3] === "phx_close" && f[0] === ref);
    await send(userTopic(user), "progress", { n: 2 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(socket.frames.filter((f) => f[3] === "broadcast").length, 1);
  } finally {
    await socket.close();
  }
});

Deno.test("a token update that loses the topic closes the channel with Realtime's message", async () => {
  const owner = await createTestUser();
  const outsider = await createTestUser();
  const socket = await RawSocket.open();
  try {
    const { ref, reply } = await socket.join(userTopic(owner), owner.token);
    assert.equal(reply.status, "ok");
    socket.push(`realtime:${userTopic(owner)}`, "access_token", {
      access_token: outsider.token,
    }, ref);
    const system = await socket.next((f) => f[3] === "system");
    assert.deepEqual(system[4], {
      extension: "system",
      status: "error",
      message: `You no longer have permission to read from this Channel topic: ${userTopic(owner)}`,
      channel: userTopic(owner),
    });
    await socket.next((f) => f[3] === "phx_close");
  } finally {
    await socket.close();
  }
});

Deno.test("a channel whose token expires is closed", async () => {
  const user = await createTestUser(undefined, 2);
  const socket = await RawSocket.open();
  try {
    const { reply } = await socket.join(userTopic(user), user.token);
    assert.equal(reply.status, "ok");
    const system = await socket.next((f) => f[3] === "system", 6000);
    assert.match(String(system[4].message), /^Token has expired \d+ seconds ago$/);
    await socket.next((f) => f[3] === "phx_close");
  } finally {
    await socket.close();
  }
});

Deno.test("clients broadcast on public topics, never on the exports' private ones", async () => {
  const user = await createTestUser();
  const [sender, listener] = [await RawSocket.open(), await RawSocket.open()];
  try {
    const publicTopic = `lobby-${crypto.randomUUID()}`;
    for (const socket of [sender, listener]) {
      assert.equal(
        (await socket.join(publicTopic, user.token, { private: false })).reply.status,
        "ok",
      );
      assert.equal((await socket.join(userTopic(user), user.token)).reply.status, "ok");
    }
    const message = { type: "broadcast", event: "hello", payload: { from: "sender" } };
    sender.push(`realtime:${userTopic(user)}`, "broadcast", message, "2");
    sender.push(`realtime:${publicTopic}`, "broadcast", message, "1");
    const heard = await listener.next((f) => f[3] === "broadcast");
    assert.equal(heard[2], `realtime:${publicTopic}`);
    assert.deepEqual(heard[4], message);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(listener.frames.filter((f) => f[3] === "broadcast").length, 1);
    assert.equal(
      sender.frames.filter((f) => f[3] === "broadcast").length,
      0,
      "no echo without self",
    );
  } finally {
    await sender.close();
    await listener.close();
  }
});

Deno.test("a private join while the database is out of reach gets Realtime's answer", async () => {
  const user = await createTestUser();
  const relay = tcpRelay(new URL(stackEnv().databaseUrl));
  relay.up();
  try {
    await using gateway = await startTestGateway({ env: { SUPABASE_DB_URL: relay.url() } });
    const socket = await RawSocket.open(undefined, gateway.url);
    try {
      assert.equal((await socket.join(userTopic(user), user.token)).reply.status, "ok");
      relay.down();
      const { reply } = await socket.join(`exports:user:${crypto.randomUUID()}`, user.token);
      assert.deepEqual(reply, {
        status: "error",
        response: { reason: "Realtime was unable to connect to the project database" },
      });
    } finally {
      await socket.close();
    }
  } finally {
    relay.down();
  }
});
