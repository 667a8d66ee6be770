// Checks who may call what: the client RPCs are for signed-in users only, and
// the functions of schema exports are for the module itself, save the few the
// RPCs and the worker's statements run as the user.
import type postgres from "postgres";
import type { Finding } from "./finding.ts";

/** The module's client RPCs in schema `public`, as README's "What it does" lists them. */
export const clientRpcs = [
  "request_export",
  "list_exports",
  "get_export",
  "list_export_events",
  "cancel_export",
  "delete_export",
  "record_export_download",
  "list_export_sources",
  "list_export_scopes",
];

/**
 * The internal functions `authenticated` may run: what the security invoker RPCs call as the
 * caller (`_require_user` is security definer, to read auth.users, and answers only about the
 * caller), and what the worker's statements call as the user
 * (tests/database/rls/internal_functions_are_not_callable_by_clients.test.sql keeps the same list).
 */
export const internalsForAuthenticated = [
  "exports._summary(e exports.exports)",
  "exports._require_user()",
  "exports._function_name(fn regprocedure)",
];

/** Reports RPCs missing, not granted to `authenticated` or granted to `anon`. */
export async function checkClientRpcs(sql: postgres.TransactionSql): Promise<Finding[]> {
  const rows = await sql`
    select p.proname as name,
      format('public.%s(%s)', p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) as signature,
      pg_catalog.has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
      pg_catalog.has_function_privilege('anon', p.oid, 'execute') as anon
    from pg_catalog.pg_proc p
    where p.pronamespace = 'public'::regnamespace and p.proname = any(${clientRpcs})
    order by p.proname`;
  const findings: Finding[] = [];
  for (const name of clientRpcs) {
    if (!rows.some((row) => row.name === name)) {
      findings.push({
        check: "grants",
        severity: "fail",
        message: `the client RPC public.${name} does not exist`,
        fix: "supabase db push --db-url <database-url>",
      });
    }
  }
  for (const row of rows) {
    if (!row.authenticated) {
      findings.push({
        check: "grants",
        severity: "fail",
        message:
          `${row.signature} is not executable by authenticated: signed-in users cannot call it`,
        fix: `grant execute on function ${row.signature} to authenticated;`,
      });
    }
    if (row.anon) {
      findings.push({
        check: "grants",
        severity: "fail",
        message:
          `${row.signature} is executable by anon: callers with only the publishable key reach it`,
        fix: `revoke execute on function ${row.signature} from public, anon;`,
      });
    }
  }
  if (findings.length === 0) {
    findings.push({
      check: "grants",
      severity: "ok",
      message:
        `the ${clientRpcs.length} client RPCs are executable by authenticated and not by anon`,
    });
  }
  return findings;
}

/**
 * Reports functions of schema `exports` a client role may run that it should not: any at all for
 * `anon`, any security definer one, and internal (`_`-prefixed) ones outside the allowed few.
 */
export async function checkInternalFunctions(sql: postgres.TransactionSql): Promise<Finding[]> {
  const rows = await sql`
    select format('exports.%s(%s)', p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) as signature,
      p.proname as name, p.prosecdef as definer,
      pg_catalog.has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
      pg_catalog.has_function_privilege('anon', p.oid, 'execute') as anon
    from pg_catalog.pg_proc p
    where p.pronamespace = 'exports'::regnamespace
    order by 1`;
  const findings: Finding[] = [];
  for (const row of rows) {
    const allowed = internalsForAuthenticated.includes(row.signature);
    const internal = row.name.startsWith("_") || row.definer;
    const roles = [
      ...(row.anon ? ["anon"] : []),
      ...(row.authenticated && internal && !allowed ? ["authenticated"] : []),
    ];
    if (roles.length === 0) continue;
    findings.push({
      check: "grants",
      severity: "fail",
      message: `${row.signature}${row.definer ? " (security definer)" : ""} is executable by ${
        roles.join(" and ")
      }: it is the module's own, not a client's`,
      fix: `revoke execute on function ${row.signature} from public, ${roles.join(", ")};`,
    });
  }
  if (findings.length === 0) {
    findings.push({
      check: "grants",
      severity: "ok",
      message: "no internal function of schema exports is executable by anon or authenticated",
    });
  }
  return findings;
}
