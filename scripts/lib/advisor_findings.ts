// Reads the JSON of `supabase db advisors --output-format json`, prints the findings that stand
// and exits 1 when there are any.
//
// One lint is answered by the catalog instead: function_search_path_mutable for a function whose
// body is SQL-standard (`begin atomic ... end`). Postgres resolves every name in such a body when
// the function is created and stores the parsed body, so no caller's search_path can redirect it,
// which is the risk the lint guards against. Those functions (the sample export sources) leave
// search_path unset on purpose: a `set` clause would stop Postgres from inlining them into the
// export's statement, and every export would copy all its rows into a temporary store first.
import postgres from "postgres";

interface Finding {
  name: string;
  level: string;
  detail: string;
  remediation: string;
  metadata?: { schema?: string; name?: string; type?: string };
}

const [path] = Deno.args;
const report = JSON.parse(await Deno.readTextFile(path)) as {
  results?: Finding[];
  error?: { message: string };
};
if (!report.results) {
  console.error(`supabase db advisors did not run: ${report.error?.message ?? "no results"}`);
  Deno.exit(1);
}

const sql = postgres(Deno.env.get("SUPABASE_DB_URL")!, { max: 1, onnotice: () => {} });
const standing: Finding[] = [];
try {
  for (const finding of report.results) {
    if (!(await answeredByCatalog(finding))) standing.push(finding);
  }
} finally {
  await sql.end();
}

for (const finding of standing) {
  console.log(`${finding.level} ${finding.name}: ${finding.detail}\n  ${finding.remediation}`);
}
const answered = report.results.length - standing.length;
console.log(
  `${standing.length} finding(s) of level warn or above` +
    (answered ? `; ${answered} search_path finding(s) on SQL-standard bodies set aside` : ""),
);
Deno.exit(standing.length ? 1 : 0);

/** Whether every overload the finding names has a SQL-standard body. */
async function answeredByCatalog(finding: Finding): Promise<boolean> {
  const { schema, name, type } = finding.metadata ?? {};
  if (finding.name !== "function_search_path_mutable" || type !== "function") return false;
  const [{ all_standard }] = await sql`
    select count(*) > 0 and bool_and(p.prosqlbody is not null) as all_standard
    from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    where n.nspname = ${schema ?? ""} and p.proname = ${name ?? ""}`;
  return all_standard;
}
