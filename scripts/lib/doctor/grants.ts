// Checks who may call what: the client RPCs are for signed-in users only, and
// the functions of schema exports are for the module itself, save the few the
// RPCs and the worker's statements run as the user. Both lists are the
// database's own: exports.callable_by_authenticated() names them.
import type postgres from "postgres";
import type { Finding } from "./finding.ts";

/** Reports RPCs missing, not granted to `authenticated` or granted to `anon`. */
export async function checkClientRpcs(sql: postgres.TransactionSql): Promise<Finding[]> {
  const rpcs = await sql`
    select l.signature, l.procedure is not null as present,
      format('public.%s(%s)', p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) as named,
      pg_catalog.has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
      pg_catalog.has_function_privilege('anon', p.oid, 'execute') as anon
    from exports.callable_by_authenticated() l
    left join pg_catalog.pg_proc p on p.oid = l.procedure
    where l.signature like 'public.%'
    order by p.proname`;
  const findings: Finding[] = [];
  for (const rpc of rpcs.filter((rpc) => !rpc.present)) {
    findings.push({
      check: "grants",
      severity: "fail",
      message: `the client RPC ${rpc.signature} does not exist`,
      fix: "supabase db push --db-url <database-url>",
    });
  }
  for (const row of rpcs.filter((rpc) => rpc.present)) {
    if (!row.authenticated) {
      findings.push({
        check: "grants",
        severity: "fail",
        message: `${row.named} is not executable by authenticated: signed-in users cannot call it`,
        fix: `grant execute on function ${row.named} to authenticated;`,
      });
    }
    if (row.anon) {
      findings.push({
        check: "grants",
        severity: "fail",
        message:
          `${row.named} is executable by anon: callers with only the publishable key reach it`,
        fix: `revoke execute on function ${row.named} from public, anon;`,
      });
    }
  }
  if (findings.length === 0) {
    findings.push({
      check: "grants",
      severity: "ok",
      message: `the ${rpcs.length} client RPCs are executable by authenticated and not by anon`,
    });
  }
  return findings;
}

/**
 * Reports functions of schema `exports` a client role may run that it should not: any at all for
 * `anon`, and for `authenticated` any that exports.callable_by_authenticated does not name.
 */
export async function checkInternalFunctions(sql: postgres.TransactionSql): Promise<Finding[]> {
  const rows = await sql`
    select format('exports.%s(%s)', p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) as signature,
      p.prosecdef as definer,
      exists (select from exports.callable_by_authenticated() l where l.procedure = p.oid) as allowed,
      pg_catalog.has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
      pg_catalog.has_function_privilege('anon', p.oid, 'execute') as anon
    from pg_catalog.pg_proc p
    where p.pronamespace = 'exports'::regnamespace
    order by 1`;
  const findings: Finding[] = [];
  for (const row of rows) {
    const roles = [
      ...(row.anon ? ["anon"] : []),
      ...(row.authenticated && !row.allowed ? ["authenticated"] : []),
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
