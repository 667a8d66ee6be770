// The export worker runs only for the service role: a signed-in user's token
// and the anon key get 403 and claim nothing; the service role's call runs the
// queue. It runs on a throwaway database with a gateway of its own: the
// stack's worker, woken by every request and by pg_cron every 5 seconds,
// would otherwise claim the export this test needs to stay queued.
import assert from "node:assert/strict";
import { ensureUser, mintUserJwt } from "../../local-stack/gateway/users.ts";
import { withDb } from "../support/db.ts";
import { stackEnv } from "../support/env.ts";
import { startTestGateway } from "../support/gateway.ts";
import { withThrowawayDatabase } from "../support/throwaway_database.ts";
import { pollFor } from "./_exports_helpers.ts";

/** POSTs to the worker as the hosted gateway would see `token`; returns the status and JSON body. */
async function callWorker(gatewayUrl: string, token: string) {
  const response = await fetch(`${gatewayUrl}/functions/v1/exports-worker`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      apikey: stackEnv().anonKey,
      "content-type": "application/json",
    },
    body: "{}",
  });
  return { status: response.status, body: await response.json() };
}

Deno.test("only the service role may run the export worker", async () => {
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

    await using gateway = await startTestGateway({ env: { SUPABASE_DB_URL: databaseUrl } });
    for (const [who, token] of [["a signed-in user", userToken], ["anon", stackEnv().anonKey]]) {
      const answer = await callWorker(gateway.url, token);
      assert.deepEqual(
        [answer.status, answer.body.error?.code],
        [403, "forbidden"],
        `${who} is refused`,
      );
    }
    // The worker answers at once and works in the background: a worker that
    // had started a round despite its answer would have claimed the export
    // well within this second.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(await exportState(), { status: "queued", attempt: 0, events: ["requested"] });

    assert.deepEqual(await callWorker(gateway.url, stackEnv().serviceRoleKey), {
      status: 202,
      body: { accepted: true },
    });
    const done = await pollFor("the worker to run the export", async () => {
      const row = await exportState();
      return row.status === "completed" ? row : undefined;
    });
    assert.deepEqual(done, {
      status: "completed",
      attempt: 1,
      events: ["requested", "started", "completed"],
    });
  });
});
