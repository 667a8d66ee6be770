import assert from "node:assert/strict";
import type postgres from "postgres";
import { applyFix, rolledBack } from "./_rolled_back.ts";
import { checkPgNet, checkWakeSecret, readWorkerUrl } from "./wake_up.ts";

const hosted = { local: false };
const local = { local: true };

/** Drops whatever Vault the database has, so each test starts from none (rolled back after). */
async function dropVault(tx: postgres.TransactionSql): Promise<void> {
  await tx`drop extension if exists supabase_vault cascade`;
  await tx`drop schema if exists vault cascade`;
}

/** Supabase Vault's secrets table, as far as the check reads it: the local stack has no Vault. */
async function createVault(tx: postgres.TransactionSql, names: string[]): Promise<void> {
  await dropVault(tx);
  await tx`create schema vault`;
  await tx`create table vault.secrets (id uuid primary key default gen_random_uuid(), name text unique, secret text not null)`;
  for (const name of names) {
    await tx`insert into vault.secrets (name, secret) values (${name}, 'x')`;
  }
}

/** Makes exports.wake_worker() read the Vault secrets `names`, in that order. */
async function readSecrets(tx: postgres.TransactionSql, names: string[]): Promise<void> {
  await tx.unsafe(`
    create or replace function exports.wake_worker() returns void language sql
    as $$ select from (values ${names.map((name) => `('${name}')`).join(", ")}) names $$`);
}

Deno.test("pg_net: its absence is found on hosted and skipped on the local stack", async () => {
  await rolledBack(async (tx) => {
    await tx`drop extension if exists pg_net cascade`;
    const [finding] = await checkPgNet(tx, hosted);
    assert.equal(finding.severity, "fail");
    assert.equal(finding.fix, "create extension if not exists pg_net with schema extensions;");
    assert.equal((await checkPgNet(tx, local))[0].severity, "skip");
  });
});

Deno.test("vault: no Vault, or no secret in it, is found with the secret to create", async () => {
  await rolledBack(async (tx) => {
    await readSecrets(tx, ["exports_worker_key"]);
    await dropVault(tx);
    const [noVault] = await checkWakeSecret(tx, hosted);
    assert.equal(noVault.severity, "fail");
    assert.match(noVault.message, /Vault .* is not installed/);
    await createVault(tx, []);
    const [noSecret] = await checkWakeSecret(tx, hosted);
    assert.equal(noSecret.severity, "fail");
    assert.match(noSecret.message, /no Vault secret named exports_worker_key/);
    assert.match(
      noSecret.fix ?? "",
      /vault\.create_secret\('<wake secret>', 'exports_worker_key'\)/,
    );
    assert.equal((await checkWakeSecret(tx, local))[0].severity, "skip");
  });
});

Deno.test("vault: the worker key passes where the wake-up reads only that", async () => {
  await rolledBack(async (tx) => {
    await readSecrets(tx, ["exports_worker_key"]);
    await createVault(tx, ["exports_worker_key"]);
    const [finding] = await checkWakeSecret(tx, hosted);
    assert.equal(finding.severity, "ok");
    assert.match(finding.message, /exports_worker_key is present/);
  });
});

Deno.test("vault: a wake-up that reads the dedicated secret prefers it to the worker key", async () => {
  await rolledBack(async (tx) => {
    await readSecrets(tx, ["exports_wake_secret", "exports_worker_key"]);
    await createVault(tx, ["exports_worker_key"]);
    const [fallback] = await checkWakeSecret(tx, hosted);
    assert.equal(fallback.severity, "warn");
    assert.match(fallback.message, /exports_wake_secret is preferred/);
    assert.match(fallback.fix ?? "", /'exports_wake_secret'\)/);
    await tx`insert into vault.secrets (name, secret) values ('exports_wake_secret', 'y')`;
    const [dedicated] = await checkWakeSecret(tx, hosted);
    assert.equal(dedicated.severity, "ok");
    assert.equal(dedicated.message, "the Vault secret exports_wake_secret is present");
  });
});

Deno.test("worker_url: unset is found on hosted, with the update that sets it", async () => {
  await rolledBack(async (tx) => {
    await tx`update exports.settings set worker_url = null`;
    const { url, findings: [finding] } = await readWorkerUrl(tx, hosted);
    assert.equal(url, null);
    assert.equal(finding.severity, "fail");
    assert.match(finding.fix ?? "", /^update exports\.settings set worker_url = /);
    await applyFix(tx, finding.fix);
    const set = await readWorkerUrl(tx, hosted);
    assert.equal(set.url, "https://<project-ref>.supabase.co/functions/v1/exports-worker");
    assert.equal(set.findings[0].severity, "ok");
  });
});

Deno.test("worker_url: unset is skipped on the local stack", async () => {
  await rolledBack(async (tx) => {
    await tx`update exports.settings set worker_url = null`;
    assert.equal((await readWorkerUrl(tx, local)).findings[0].severity, "skip");
  });
});
