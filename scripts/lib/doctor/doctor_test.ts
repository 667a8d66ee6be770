// scripts/doctor end to end: the local stack's database is healthy, and a
// throwaway database with a fault of each kind seeded is told each fix.
import assert from "node:assert/strict";
import { withDb } from "../../../tests/support/db.ts";
import { stackEnv } from "../../../tests/support/env.ts";
import { queryValue, withThrowawayDatabase } from "../../../tests/support/throwaway_database.ts";
import { inReadOnlyTransaction } from "./doctor.ts";

const doctor = new URL("../../doctor", import.meta.url).pathname;

/** Runs scripts/doctor with `args`: its exit code and what it printed. */
async function runDoctor(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(doctor, { args, stdout: "piped", stderr: "piped" })
    .output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("doctor: the local stack's database has nothing wrong", async () => {
  const { code, stdout } = await runDoctor("--local", stackEnv().databaseUrl);
  assert.match(
    stdout.trim().split("\n").at(-1)!,
    /^nothing is wrong \(\d+ checks passed, 3 skipped\)$/,
    stdout,
  );
  assert.equal(code, 0);
  assert.doesNotMatch(stdout, /^(FAIL|WARN)/m);
});

Deno.test("doctor: each fault seeded into a database is found with its fix", async () => {
  await withThrowawayDatabase("doctor_broken", async (databaseUrl) => {
    const seed = [
      "alter table exports.export_events disable row level security",
      "grant execute on function public.request_export(text, text, jsonb, text, uuid, text, boolean, bigint) to anon",
      "grant execute on function exports.claim_exports(text, int, int) to authenticated",
      "delete from supabase_migrations.schema_migrations where version = '20261123000900'",
      "update storage.buckets set public = true where id = 'exports'",
      "update exports.settings set worker_url = null",
    ];
    for (const statement of seed) await queryValue(databaseUrl, statement);
    const { code, stdout } = await runDoctor(databaseUrl);
    assert.equal(code, 1, stdout);
    const expected: [RegExp, RegExp][] = [
      [
        /^FAIL +migrations .*20261123000900_create_exports_cleanup/m,
        /fix: supabase db push --db-url/,
      ],
      [
        /^FAIL +rls +row level security is disabled on exports\.export_events$/m,
        /fix: alter table exports\.export_events enable row level security;/,
      ],
      [
        /^FAIL +grants +public\.request_export\(.*\) is executable by anon/m,
        /fix: revoke execute on function public\.request_export\(.*\) from public, anon;/,
      ],
      [
        /^FAIL +grants +exports\.claim_exports\(.*\) \(security definer\) is executable by authenticated/m,
        /fix: revoke execute on function exports\.claim_exports\(.*\) from public, authenticated;/,
      ],
      [
        /^FAIL +cron +pg_cron is not installed in database doctor_broken_\d+/m,
        /fix: create extension if not exists pg_cron/,
      ],
      [/^FAIL +pg_net +pg_net is not installed/m, /fix: create extension if not exists pg_net/],
      [/^FAIL +vault +Supabase Vault/m, /fix: create extension if not exists supabase_vault;/],
      [
        /^FAIL +worker_url +exports\.settings\.worker_url is not set/m,
        /fix: update exports\.settings set worker_url = /,
      ],
      [
        /^FAIL +bucket +the Storage bucket exports is public/m,
        /fix: update storage\.buckets set public = false where id = 'exports';/,
      ],
    ];
    for (const [finding, fix] of expected) {
      assert.match(stdout, finding);
      const at = stdout.split("\n").findIndex((line) => finding.test(line));
      assert.match(stdout.split("\n")[at + 1], fix, `the fix under ${finding}`);
    }
    assert.match(
      stdout,
      new RegExp(
        `^${expected.length} problems, 0 warnings, \\d+ passed: run the fixes above$`,
        "m",
      ),
    );
    assert.equal(
      await queryValue(databaseUrl, "select public from storage.buckets where id = 'exports'"),
      "t",
      "the doctor changes nothing",
    );
  });
});

Deno.test("doctor: its transaction refuses writes", async () => {
  await withDb(async (sql) => {
    await assert.rejects(
      inReadOnlyTransaction(sql, (tx) => tx`update exports.settings set worker_url = 'http://x'`),
      (error: { code?: string }) => error.code === "25006",
    );
  });
});

Deno.test("doctor: bad arguments and an unreachable database exit 2 with a message", async () => {
  const unknown = await runDoctor("--bogus");
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unexpected --bogus[\s\S]*usage: scripts\/doctor/);
  const unreachable = await runDoctor("postgresql://postgres:secret@127.0.0.1:1/postgres");
  assert.equal(unreachable.code, 2);
  assert.match(
    unreachable.stderr,
    /^error: could not check postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/postgres: /,
  );
});
