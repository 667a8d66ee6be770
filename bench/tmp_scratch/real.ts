import postgres from "postgres";
import { exportFile } from "../../functions/_shared/files/export_file.ts";
const sql = postgres("postgresql://postgres:postgres@127.0.0.1:55702/postgres", { max: 2 });
const [e] =
  await sql`select e.export_id, e.owner_id, e.scope_id from exports.exports e where e.format='pdf' and e.scope_id = '40000000-0000-4000-8000-00000000a11b' order by requested_at desc limit 1`;
const [{ statement }] = await sql`select exports.report_statement(${e.export_id}) as statement`;
const lines =
  `select * from sample.budget_lines('{"scope_id": "${e.scope_id}"}'::jsonb) limit 5001`;
console.log(statement);
await sql.begin("isolation level repeatable read", async (tx) => {
  await tx`select set_config('role','authenticated',true), set_config('request.jwt.claims', ${
    JSON.stringify({ sub: e.owner_id, role: "authenticated" })
  }, true)`;
  const file = await exportFile(tx, {
    source: "budget",
    format: "pdf",
    compression: "none",
    statement: lines,
    statement_kind: "cursor",
    row_limit: 5000,
    report_statement: statement,
  }, {} as never);
  const bytes = await new Response(file.body).bytes();
  Deno.writeFileSync("/tmp/rp/real.pdf", bytes);
  console.log(bytes.length);
});
await sql.end();
