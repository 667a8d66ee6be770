import assert from "node:assert/strict";
import type postgres from "postgres";
import { rolledBack } from "./_rolled_back.ts";
import { checkWorkerRounds, overdueSeconds } from "./worker_rounds.ts";

/** Requests a CSV of the sample conversations as a new user, as PostgREST would call it. */
async function requestExport(tx: postgres.TransactionSql): Promise<string> {
  const [user] = await tx`
    insert into auth.users (id, aud, role, email) values
      (gen_random_uuid(), 'authenticated', 'authenticated', ${`doctor-${crypto.randomUUID()}@example.com`})
    returning id`;
  await tx`select set_config('request.jwt.claims', ${
    JSON.stringify({ sub: user.id, role: "authenticated" })
  }, true)`;
  await tx`set local role authenticated`;
  const [row] = await tx`select (public.request_export('conversations', 'csv')).export_id`;
  await tx`reset role`;
  return row.export_id;
}

Deno.test("worker: a queue with nothing overdue passes and says when the last export completed", async () => {
  await rolledBack(async (tx) => {
    await tx`update exports.exports set next_run_at = now() where status = 'queued'`;
    const exportId = await requestExport(tx);
    await tx`
      insert into exports.export_events (export_id, owner_id, event, actor_role, occurred_at)
      select e.export_id, e.owner_id, 'completed', 'service_role', now() - interval '3 minutes'
      from exports.exports e where e.export_id = ${exportId}`;
    const [finding] = await checkWorkerRounds(tx);
    assert.equal(finding.severity, "ok");
    assert.match(
      finding.message,
      /^the last export completed (\d+ s|[1-3] min) ago; no export is overdue$/,
    );
  });
});

Deno.test("worker: an export queued long past due is a warning", async () => {
  await rolledBack(async (tx) => {
    const exportId = await requestExport(tx);
    await tx`
      update exports.exports set next_run_at = now() - make_interval(secs => ${overdueSeconds * 2})
      where export_id = ${exportId}`;
    const [finding] = await checkWorkerRounds(tx);
    assert.equal(finding.severity, "warn");
    assert.match(
      finding.message,
      /queued exports? ha(s|ve) waited past 5 min \(the oldest was due 10 min ago\)/,
    );
    assert.match(finding.fix ?? "", /worker's logs/);
  });
});
