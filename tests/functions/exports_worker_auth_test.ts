// The export worker runs only for callers it has verified: its wake secret, a
// secret key, or a signed, unexpired service-role JWT. No token, an unsigned
// (alg: none) or wrongly signed or expired one, the anon key, a publishable
// key and a signed-in user's token are refused and claim nothing. It runs on a
// throwaway database with a gateway of its own: the stack's worker, woken by
// every request and by pg_cron every 5 seconds, would otherwise claim the
// export this test needs to stay queued.
import assert from "node:assert/strict";
import { signJwt } from "../../local-stack/gateway/jwt.ts";
import { ensureUser, mintUserJwt } from "../../local-stack/gateway/users.ts";
import { withDb } from "../support/db.ts";
import { stackEnv } from "../support/env.ts";
import { startTestGateway } from "../support/gateway.ts";
import { withThrowawayDatabase } from "../support/throwaway_database.ts";
import { pollFor } from "./_exports_helpers.ts";

// The stack's new-style keys, which the gateway hands its functions as
// SUPABASE_SECRET_KEYS and SUPABASE_PUBLISHABLE_KEYS.
const { secretKey, publishableKey } = stackEnv();

const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

/** POSTs to the worker as the hosted gateway would see `token`; returns the status and JSON body. */
async function callWorker(gatewayUrl: string, token: string | null) {
  const response = await fetch(`${gatewayUrl}/functions/v1/exports-worker`, {
    method: "POST",
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      apikey: stackEnv().anonKey,
      "content-type": "application/json",
    },
    body: "{}",
  });
  return { status: response.status, body: await response.json() };
}

Deno.test("only callers the worker has verified may run it", async () => {
  await withThrowawayDatabase("exports_worker_auth", async (databaseUrl) => {
    const { user, exportId } = await withDb(async (sql) => {
      const user = await ensureUser(sql, `worker-auth-${crypto.randomUUID()}@example.com`);
      // Requested before the gateway listens, so its wake-up reaches no worker.
      const exportId = await sql.begin(async (tx) => {
        await tx`set local role authenticated`;
        await tx`select set_config('request.jwt.claims', ${
          JSON.stringify({ sub: user.id, role: "authenticated" })
        }, true)`;
        const [row] = await tx`
          select export_id from public.request_export(source => 'conversations', format => 'csv')`;
        return row.export_id as string;
      }) as string;
      return { user, exportId };
    }, databaseUrl);
    const userToken = await mintUserJwt(user, { secret: stackEnv().jwtSecret });
    const exportState = () =>
      withDb(async (sql) => {
        const [row] = await sql<{ status: string; attempt: number; events: string[] }[]>`
          select e.status, e.attempt,
            array(select v.event from exports.export_events v
                  where v.export_id = e.export_id order by v.id) as events
          from exports.exports e where e.export_id = ${exportId}`;
        return row;
      }, databaseUrl);

    await using gateway = await startTestGateway({
      env: { SUPABASE_DB_URL: databaseUrl },
    });
    const { jwtSecret, serviceRoleKey } = stackEnv();
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    const unsigned = `${b64url({ alg: "none", typ: "JWT" })}.${
      b64url({ role: "service_role", exp: inAnHour })
    }.`;
    const refused: [string, string | null, number, string][] = [
      ["no token", null, 401, "unauthorized"],
      ["an unsigned service-role token", unsigned, 401, "unauthorized"],
      [
        "a service-role token signed with another secret",
        await signJwt({ role: "service_role", exp: inAnHour }, `${jwtSecret}-but-another`),
        401,
        "unauthorized",
      ],
      [
        "an expired service-role token",
        await signJwt({ role: "service_role", exp: inAnHour - 7200 }, jwtSecret),
        401,
        "unauthorized",
      ],
      [
        "a publishable key",
        publishableKey,
        403,
        "forbidden",
      ],
      ["the anon key", stackEnv().anonKey, 403, "forbidden"],
      ["a signed-in user", userToken, 403, "forbidden"],
    ];
    for (const [who, token, status, code] of refused) {
      const answer = await callWorker(gateway.url, token);
      assert.deepEqual(
        [answer.status, answer.body.error?.code],
        [status, code],
        `${who} is refused`,
      );
      assert.equal(typeof answer.body.error?.message, "string", `${who} is told why`);
    }
    // The worker answers at once and works in the background: a worker that
    // had started a round despite its answer would have claimed the export
    // well within this second.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(await exportState(), { status: "queued", attempt: 0, events: ["requested"] });

    assert.deepEqual(await callWorker(gateway.url, stackEnv().wakeSecret), {
      status: 202,
      body: { accepted: true },
    }, "the wake secret is accepted");
    const done = await pollFor("the worker to run the export", async () => {
      const row = await exportState();
      return row.status === "completed" ? row : undefined;
    });
    assert.deepEqual(done, {
      status: "completed",
      attempt: 1,
      events: ["requested", "started", "completed"],
    });
    for (
      const [who, token] of [
        ["a secret key", secretKey],
        ["the service-role key", serviceRoleKey],
      ]
    ) {
      assert.deepEqual(await callWorker(gateway.url, token), {
        status: 202,
        body: { accepted: true },
      }, `${who} is accepted`);
    }
  });
});
