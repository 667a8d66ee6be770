// Reports when the worker last completed an export, and warns when exports
// wait to be claimed long after they were due: the wake-up or the worker is
// not working.
import type postgres from "postgres";
import { formatAge } from "./age.ts";
import type { Finding } from "./finding.ts";

/** A queued export due for longer than this has been missed by several wake-ups. */
export const overdueSeconds = 5 * 60;

/** Reports the last completed export's age and warns about overdue queued exports. */
export async function checkWorkerRounds(sql: postgres.TransactionSql): Promise<Finding[]> {
  const [row] = await sql`
    select
      extract(epoch from now() - greatest(
        (select max(ev.occurred_at) from exports.export_events ev where ev.event = 'completed'),
        (select max(e.finished_at) from exports.exports e where e.status = 'completed')))::float8
        as completed_age,
      (select count(*) from exports.exports e
       where e.status = 'queued' and e.deleted_at is null
         and e.next_run_at <= now() - make_interval(secs => ${overdueSeconds}))::int as overdue,
      extract(epoch from now() - (select min(e.next_run_at) from exports.exports e
       where e.status = 'queued' and e.deleted_at is null))::float8 as oldest_due`;
  const last = row.completed_age === null
    ? "no export has completed yet"
    : `the last export completed ${formatAge(row.completed_age)} ago`;
  if (row.overdue > 0) {
    return [{
      check: "worker",
      severity: "warn",
      message: `${row.overdue} queued export${row.overdue === 1 ? " has" : "s have"} waited past ${
        formatAge(overdueSeconds)
      } (the oldest was due ${
        formatAge(row.oldest_due)
      } ago) and ${last}: the worker is not being woken or is failing`,
      fix:
        "fix the cron, pg_net, vault and worker_url findings above, then read the worker's logs (Dashboard > Edge Functions > exports-worker > Logs)",
    }];
  }
  return [{ check: "worker", severity: "ok", message: `${last}; no export is overdue` }];
}
