// Shows the plans of the statements an RPC runs inside itself. EXPLAIN on a
// function call shows only "Function Scan"; auto_explain with
// log_nested_statements logs each inner statement's plan, and with
// client_min_messages = log psql receives them, so the plans shown are the
// ones the real function executed, as the real user.
import type { Identity } from "./psql.ts";

/**
 * Runs `call` as `identity` inside a transaction that is rolled back (so
 * writes leave nothing behind) and returns every plan auto_explain logged,
 * with actual times and buffers.
 */
export async function nestedPlans(
  dbUrl: string,
  identity: Identity,
  call: string,
): Promise<string> {
  const claims = JSON.stringify(identity.claims).replaceAll("'", "''");
  const script = [
    "load 'auto_explain';",
    "set auto_explain.log_min_duration = 0;",
    "set auto_explain.log_analyze = on;",
    "set auto_explain.log_buffers = on;",
    "set auto_explain.log_timing = on;",
    "set auto_explain.log_nested_statements = on;",
    "begin;",
    "set local role authenticated;",
    `select set_config('request.jwt.claims', '${claims}', true);`,
    "set client_min_messages = log;",
    `${call};`,
    "set client_min_messages = notice;",
    "rollback;",
  ].join("\n");
  const output = await new Deno.Command("psql", {
    args: ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dbUrl],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = output.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const { success, stderr } = await output.output();
  const text = new TextDecoder().decode(stderr);
  if (!success) throw new Error(`explaining ${call} failed: ${text.trim()}`);
  return text.trim();
}

/** The index names a plan text scans, in order of first appearance. */
export function indexesUsed(plan: string): string[] {
  const scans = /(?:Index (?:Only )?Scan(?: Backward)? using|Bitmap Index Scan on) (\S+)/g;
  const names = [...plan.matchAll(scans)].map((match) => match[1]);
  return [...new Set(names)];
}
