import assert from "node:assert/strict";
import { sameSecret, verifyWorkerCaller, workerCredentials } from "./worker_caller.ts";

const jwtSecret = "a-jwt-secret-of-at-least-thirty-two-characters";
const credentials = workerCredentials(
  new Map([
    ["EXPORTS_WAKE_SECRET", "the-wake-secret"],
    ["SUPABASE_SECRET_KEYS", JSON.stringify({ default: "sb_secret_one", other: "sb_secret_two" })],
    ["SUPABASE_PUBLISHABLE_KEYS", JSON.stringify({ default: "sb_publishable_one" })],
    ["SUPABASE_JWT_SECRET", jwtSecret],
  ]),
);
const now = Date.UTC(2026, 0, 1);
const later = now / 1000 + 3600;

const withToken = (token: string) =>
  new Request("http://x", { headers: { authorization: `Bearer ${token}` } });

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const part = (value: unknown) => b64url(new TextEncoder().encode(JSON.stringify(value)));

async function hs256(claims: Record<string, unknown>, secret = jwtSecret): Promise<string> {
  const unsigned = `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(unsigned));
  return `${unsigned}.${b64url(new Uint8Array(signature))}`;
}

const verdict = async (token: string | null) =>
  await verifyWorkerCaller(
    token === null ? new Request("http://x") : withToken(token),
    credentials,
    now,
  );

Deno.test("the wake secret, every secret key and a signed service-role JWT are accepted", async () => {
  assert.deepEqual(await verdict("the-wake-secret"), { accepted: true, by: "wake_secret" });
  assert.deepEqual(await verdict("sb_secret_one"), { accepted: true, by: "secret_key" });
  assert.deepEqual(await verdict("sb_secret_two"), { accepted: true, by: "secret_key" });
  assert.deepEqual(await verdict(await hs256({ role: "service_role", exp: later })), {
    accepted: true,
    by: "service_role_jwt",
  });
});

Deno.test("a caller without a verified credential is refused 401", async () => {
  const unsigned = `${part({ alg: "none", typ: "JWT" })}.${
    part({ role: "service_role", exp: later })
  }.`;
  const refused = [
    null,
    "",
    "the-wake-secret-but-longer",
    "sb_secret_on",
    unsigned,
    await hs256(
      { role: "service_role", exp: later },
      "another-secret-of-at-least-thirty-two-chars",
    ),
    await hs256({ role: "service_role", exp: now / 1000 - 1 }),
    await hs256({ role: "service_role" }),
    "not.a-jwt.at-all",
  ];
  for (const token of refused) {
    const answer = await verdict(token);
    assert.equal(answer.accepted, false, `${token} is refused`);
    assert.equal(!answer.accepted && answer.status, 401, `${token} is refused as unverified`);
  }
});

Deno.test("a publishable key and a verified JWT of another role are refused 403", async () => {
  for (const token of ["sb_publishable_one", await hs256({ role: "authenticated", exp: later })]) {
    assert.deepEqual(await verdict(token), {
      accepted: false,
      status: 403,
      code: "forbidden",
      message: token.startsWith("sb_")
        ? "A publishable key may not run the export worker."
        : "Only the service role may run the export worker.",
    });
  }
});

Deno.test("without a wake secret or keys configured, nothing but a verified JWT passes", async () => {
  const bare = workerCredentials(new Map([["SUPABASE_SECRET_KEYS", "not json"]]));
  assert.deepEqual(bare, {
    wakeSecret: undefined,
    secretKeys: [],
    publishableKeys: [],
    jwtSecret: undefined,
  });
  assert.equal((await verifyWorkerCaller(withToken("anything"), bare, now)).accepted, false);
  assert.equal((await verifyWorkerCaller(withToken(""), bare, now)).accepted, false);
});

Deno.test("sameSecret tells equal secrets from different ones of any length", async () => {
  assert.equal(await sameSecret("abc", "abc"), true);
  assert.equal(await sameSecret("abc", "abd"), false);
  assert.equal(await sameSecret("abc", "abcd"), false);
  assert.equal(await sameSecret("", "a"), false);
});
