// The worker under the free profile's CPU limits (1 s soft, 2 s hard, over an instance's life),
// on a gateway of its own with a short lease: an export that takes more CPU than an instance has
// gets its worker killed as hosted kills it, the exports that instance held are retried and
// complete, and an export that is killed on every attempt ends failed, telling the user how to
// narrow it. The stack's own gateway and worker are paused meanwhile (SIGSTOP), so that they
// claim none of these exports.
import assert from "node:assert/strict";
import { parse as parseCsv } from "csv-parse/sync";
import { userClient } from "../support/clients.ts";
import postgres from "postgres";
import { withDb } from "../support/db.ts";
import { stackEnv } from "../support/env.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { createTestUser, type TestUser } from "../support/users.ts";
import { callExportsAs, exportEvents, exportRow, pollFor } from "./_exports_helpers.ts";
import { isRunning, stackGatewayPid, stackWorkerPids, workerPids } from "./_worker_process.ts";

const projectConfig = new URL("../../supabase/config.toml", import.meta.url).pathname;
const leaseSeconds = 10;

/** A source whose rows cost Postgres little and the worker a lot: `rows` rows of text. */
async function registerCpuSource(): Promise<void> {
  await withDb(async (sql) => {
    await sql.unsafe(`
      create schema if not exists exports_tests;
      grant usage on schema exports_tests to authenticated;
      create or replace function exports_tests.cpu_rows(options jsonb)
      returns table (n int, label text)
      language sql stable security invoker set search_path = ''
      as $$
        select g, 'a row of text that the worker frames and compresses ' || g
        from generate_series(1, coalesce((options ->> 'rows')::int, 10)) g
      $$;
      grant execute on function exports_tests.cpu_rows(jsonb) to authenticated;
      -- Rows that wait until the test lets them go (gateKey's advisory lock), inside the export's
      -- staging only: the request reads them too, to count a small export, and must not wait.
      create or replace function exports_tests.gated_rows(options jsonb)
      returns table (n int, label text)
      language sql volatile security invoker set search_path = ''
      as $$
        select g, 'row ' || g
        from (select 1) one
        left join lateral (select pg_catalog.pg_advisory_xact_lock_shared(${gateKey})
                           where pg_catalog.current_query() ~* 'exports\\.stage_export') gate on true,
             generate_series(1, coalesce((options ->> 'rows')::int, 10)) g
      $$;
      grant execute on function exports_tests.gated_rows(jsonb) to authenticated;
    `);
    for (const source of ["cpu_rows", "gated_rows"]) {
      await sql`select exports.register_source(name => ${source},
        rows_function => ${`exports_tests.${source}(jsonb)`}, formats => array['csv', 'pdf'],
        option_types => '{"rows": "integer"}')`;
    }
  });
}

/** The advisory lock the gated source's rows wait for. */
const gateKey = 7_310_523;

/** An export whose statement waits while the test holds the gate. */
const gated = { source: "gated_rows", format: "csv", options: { rows: 5 } };

/** Holds the gate until the returned function is called (again: nothing), or disposed. */
async function closeGate() {
  const session = postgres(stackEnv().databaseUrl, { max: 1, onnotice: () => {} });
  await session`select pg_advisory_lock(${gateKey})`;
  let open: Promise<void> | undefined;
  const openGate = () => open ??= session.end();
  return Object.assign(openGate, { [Symbol.asyncDispose]: openGate });
}

/**
 * Far more CPU than an instance's 2 s, in one slice: a PDF lays out every row at once (some
 * 300 µs a row), where a CSV this long would be written in slices and complete.
 */
const tooBig = { source: "cpu_rows", format: "pdf", options: { rows: 20_000 } };

/** Runs `body` with the stack's gateway and workers stopped, then lets them go on. */
async function withStackPaused<T>(body: () => Promise<T>): Promise<T> {
  const pids = [await stackGatewayPid(), ...await stackWorkerPids()];
  for (const pid of pids) Deno.kill(pid, "SIGSTOP");
  try {
    return await body();
  } finally {
    for (const pid of pids) Deno.kill(pid, "SIGCONT");
  }
}

/** A gateway with the project's functions under the free profile and a short lease. */
function freeGateway(): Promise<TestGateway> {
  return startTestGateway({
    config: projectConfig,
    env: { EXPORTS_PROFILE: "free", EXPORTS_WORKER_LEASE_SECONDS: String(leaseSeconds) },
  });
}

/** Requests `bodies` as `user` in one transaction: the wake-ups go out when all are queued. */
async function requestTogether(user: TestUser, bodies: Record<string, unknown>[]) {
  return await withDb((sql) =>
    sql.begin(async (tx) => {
      const claims = { sub: user.id, role: "authenticated", email: user.email };
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
      await tx`set local role authenticated`;
      const ids: string[] = [];
      for (const body of bodies) {
        const [{ export_id }] = await tx`
          select export_id from public.request_export(source => ${body.source as string},
            format => ${body.format as string}, options => ${tx.json(body.options as never)},
            compression => ${(body.compression as string) ?? "none"})`;
        ids.push(export_id);
      }
      return ids;
    })
  );
}

async function request(gateway: TestGateway, user: TestUser, body: Record<string, unknown>) {
  const client = userClient(user.token, { url: gateway.url, keys: user.keys });
  const created = await callExportsAs(client, "", "POST", body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.export_id as string;
}

/** Runs the cleanup as pg_cron does, and the wake-up that follows a requeue, until `done`. */
async function cleanUntil<T>(what: string, done: () => Promise<T | undefined>): Promise<T> {
  return await pollFor(what, async () => {
    const value = await done();
    if (value !== undefined) return value;
    await withDb((sql) => sql`select exports.cleanup_expired_exports(), exports.wake_worker()`);
    return undefined;
  }, 120_000);
}

Deno.test("a worker past its CPU hard limit is killed; the exports it held are retried and complete", async () => {
  await registerCpuSource();
  const user = await createTestUser();
  await withStackPaused(async () => {
    await using gateway = await freeGateway();
    // Two exports that wait in their statement and one that uses the instance's CPU up, queued
    // at once so that the instance the wake-up starts claims all three.
    await using openGate = await closeGate();
    const [first, second, heavy] = await requestTogether(user, [gated, gated, tooBig]);
    const held = [first, second];
    const [worker] = await pollFor("one worker to hold all three", async () => {
      const rows = await Promise.all([...held, heavy].map(exportRow));
      const owners = new Set(rows.map((row) => row.lease_owner));
      return rows.every((row) => row.status === "processing") && owners.size === 1
        ? await workerPids(gateway.url)
        : undefined;
    });
    await pollFor(
      "the worker to be killed",
      async () => (await isRunning(worker)) ? undefined : true,
    );
    for (const id of held) {
      const row = await exportRow(id);
      assert.deepEqual([row.status, row.attempt], ["processing", 1], "the dead worker held it");
    }
    // Its retries would use each new instance up: out of the way.
    const canceled = await callExportsAs(
      userClient(user.token, { url: gateway.url, keys: user.keys }),
      `/${heavy}/cancel`,
      "POST",
      {},
    );
    assert.equal(canceled.status, 200, JSON.stringify(canceled.body));
    await openGate();

    for (const id of held) {
      const done = await cleanUntil(`export ${id} to complete`, async () => {
        const row = await exportRow(id);
        return row.status === "completed" || row.status === "failed" ? row : undefined;
      });
      assert.deepEqual([done.status, done.attempt], ["completed", 2]);
      const events = await exportEvents(id);
      assert.ok(events.includes("retried"), events.join(", "));
      assert.equal(events.filter((event) => event === "completed").length, 1, events.join(", "));
    }
    const link = await callExportsAs(
      userClient(user.token, { url: gateway.url, keys: user.keys }),
      `/${held[0]}/link`,
      "POST",
      {},
    );
    const csv = new TextDecoder().decode(await (await fetch(link.body.url as string)).bytes());
    assert.equal(parseCsv(csv, { columns: true }).length, 5, "the retried file is whole");
  });
});

Deno.test("an export too big for one instance ends failed after its attempts, saying how to narrow it", async () => {
  await registerCpuSource();
  const user = await createTestUser();
  await withStackPaused(async () => {
    await using gateway = await freeGateway();
    const id = await request(gateway, user, tooBig);
    // Two attempts rather than the default three: the same path, a lease less to wait out.
    await withDb((sql) => sql`update exports.exports set max_attempts = 2 where export_id = ${id}`);
    const failed = await cleanUntil("the export to fail", async () => {
      const row = await exportRow(id);
      return row.status === "failed" || row.status === "completed" ? row : undefined;
    });
    assert.equal(failed.status, "failed");
    assert.equal(failed.attempt, failed.max_attempts, "after every attempt");
    assert.equal(failed.error_code, "too_big_for_worker");
    assert.match(failed.error_message!, /too big to finish in one run/);
    assert.match(failed.error_message!, /narrow it down \(a shorter date range, a filter/);
  });
});
