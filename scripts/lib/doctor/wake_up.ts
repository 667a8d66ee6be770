// Checks what pg_cron's wake-up needs on hosted Supabase: pg_net to call the
// worker, the Vault secret it authenticates with, and the worker's URL.
// Without them exports.wake_worker() falls back to a NOTIFY nobody hears.
import type postgres from "postgres";
import type { CheckOptions, Finding } from "./finding.ts";

/** The Vault secrets a wake-up may authenticate with, the preferred one first. */
export const wakeSecrets = ["exports_wake_secret", "exports_worker_key"];

/** What the local stack's findings say instead: its gateway listens on exports_wake. */
const localNote = "the local stack's gateway wakes the worker on NOTIFY exports_wake";

/** Reports pg_net missing. */
export async function checkPgNet(
  sql: postgres.TransactionSql,
  options: CheckOptions,
): Promise<Finding[]> {
  if (options.local) return [{ check: "pg_net", severity: "skip", message: localNote }];
  const [{ installed }] = await sql`
    select exists (select from pg_catalog.pg_extension where extname = 'pg_net') as installed`;
  return installed ? [{ check: "pg_net", severity: "ok", message: "pg_net is installed" }] : [{
    check: "pg_net",
    severity: "fail",
    message: "pg_net is not installed: pg_cron's wake-up cannot call the worker",
    fix: "create extension if not exists pg_net with schema extensions;",
  }];
}

/**
 * Reports the wake-up's Vault secret missing. The names it accepts are those the installed
 * `exports.wake_worker()` reads, so a module that reads a dedicated wake secret is held to it.
 */
export async function checkWakeSecret(
  sql: postgres.TransactionSql,
  options: CheckOptions,
): Promise<Finding[]> {
  if (options.local) return [{ check: "vault", severity: "skip", message: localNote }];
  const [{ vault, definition }] = await sql`
    select to_regclass('vault.secrets') is not null as vault,
      (select pg_catalog.pg_get_functiondef(p.oid) from pg_catalog.pg_proc p
       where p.pronamespace = 'exports'::regnamespace and p.proname = 'wake_worker' limit 1)
        as definition`;
  const read = wakeSecrets.filter((name) => String(definition ?? "").includes(name));
  const accepted = read.length > 0 ? read : wakeSecrets;
  const preferred = accepted[0];
  const create =
    `select vault.create_secret('<wake secret>', '${preferred}');   (the secret the worker accepts; see README, "Add it to your project")`;
  if (!vault) {
    return [{
      check: "vault",
      severity: "fail",
      message: "Supabase Vault (vault.secrets) is not installed: the wake-up has no secret to send",
      fix: `create extension if not exists supabase_vault; ${create}`,
    }];
  }
  const present = (await sql`select s.name from vault.secrets s where s.name = any(${accepted})`)
    .map((row) => row.name as string);
  const found = accepted.find((name) => present.includes(name));
  if (!found) {
    return [{
      check: "vault",
      severity: "fail",
      message: `no Vault secret named ${
        accepted.join(" or ")
      }: the wake-up calls the worker without credentials and is refused`,
      fix: create,
    }];
  }
  if (found !== wakeSecrets[0] && accepted.includes(wakeSecrets[0])) {
    return [{
      check: "vault",
      severity: "warn",
      message: `the wake-up authenticates with the Vault secret ${found}; a dedicated ${
        wakeSecrets[0]
      } is preferred: it opens nothing but the worker`,
      fix: create,
    }];
  }
  return [{
    check: "vault",
    severity: "ok",
    message: found === wakeSecrets[0]
      ? `the Vault secret ${found} is present`
      : `the Vault secret ${found} is present (a dedicated ${
        wakeSecrets[0]
      } is preferred once the module reads it)`,
  }];
}

/** Reports `exports.settings.worker_url` unset; returns the URL too, for the probe. */
export async function readWorkerUrl(
  sql: postgres.TransactionSql,
  options: CheckOptions,
): Promise<{ findings: Finding[]; url: string | null }> {
  const [row] = await sql`select s.worker_url from exports.settings s`;
  const url: string | null = row?.worker_url ?? null;
  if (url) {
    return {
      url,
      findings: [{ check: "worker_url", severity: "ok", message: `worker_url is ${url}` }],
    };
  }
  if (options.local) {
    return { url, findings: [{ check: "worker_url", severity: "skip", message: localNote }] };
  }
  return {
    url,
    findings: [{
      check: "worker_url",
      severity: "fail",
      message:
        "exports.settings.worker_url is not set: pg_cron's wake-up falls back to a NOTIFY that nothing hears on hosted Supabase",
      fix:
        "update exports.settings set worker_url = 'https://<project-ref>.supabase.co/functions/v1/exports-worker';",
    }],
  };
}
