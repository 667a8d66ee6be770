// Puts an export into a state with the SQL contract itself, out of reach of
// the stack's own worker: requested as the user, raised to the top of the
// queue and claimed for a test's worker id in one transaction, so no other
// worker ever sees it queued.
import type postgres from "postgres";
import type { ClaimedExport } from "../../functions/_shared/worker/queue.ts";
import type { TestUser } from "../support/users.ts";

/** What to export, as request_export takes it. */
export interface ExportRequest {
  source: string;
  format: string;
  options?: Record<string, unknown>;
  scope?: string;
  compression?: "none" | "gzip";
}

/** Requests an export as `user` inside `tx` and puts it first in the queue; returns its id. */
export async function requestFirstInQueue(
  tx: postgres.TransactionSql,
  user: TestUser,
  request: ExportRequest,
): Promise<string> {
  await tx`set local role authenticated`;
  await tx`select set_config('request.jwt.claims', ${
    JSON.stringify({ sub: user.id, role: "authenticated" })
  }, true)`;
  const [{ export_id }] = await tx`
    select export_id from public.request_export(
      source => ${request.source}, format => ${request.format},
      options => ${tx.json((request.options ?? {}) as postgres.JSONValue)},
      scope => ${request.scope ?? null}, compression => ${request.compression ?? "none"})`;
  await tx`reset role`;
  await tx`update exports.exports set priority = 32767 where export_id = ${export_id}`;
  return export_id;
}

/** Requests an export as `user` and claims it for `workerId` with `exports.claim_exports`. */
export async function claimNewExport(
  sql: postgres.Sql,
  user: TestUser,
  request: ExportRequest,
  workerId: string,
): Promise<ClaimedExport> {
  return await sql.begin(async (tx) => {
    const exportId = await requestFirstInQueue(tx, user, request);
    const [claim] = await tx<ClaimedExport[]>`
      select * from exports.claim_exports(worker_id => ${workerId}, max_exports => 1)`;
    if (claim?.export_id !== exportId) {
      throw new Error(`claim_exports did not hand out the new export ${exportId}`);
    }
    return claim;
  }) as ClaimedExport;
}
