// The worker as the local function host runs it, with what a deployment gives it: a database
// URL that asks for TLS (sslmode=require, as hosted connection strings may) and its fonts from
// its own folder, shipped by config.toml's static_files. A PDF of Greek text proves both: the
// export completes over encrypted sessions only, and the file embeds DejaVu Sans, not the
// Helvetica a worker that could not read its fonts falls back to (which prints Greek as "?").
// On a throwaway database with a gateway of its own, so the worker's sessions there are its.
import assert from "node:assert/strict";
import { join } from "node:path";
import { extractText, getDocumentProxy } from "unpdf";
import { ensureUser } from "../../local-stack/gateway/users.ts";
import { withDb } from "../support/db.ts";
import { startTestGateway } from "../support/gateway.ts";
import { withThrowawayDatabase } from "../support/throwaway_database.ts";
import { pollFor } from "./_exports_helpers.ts";

const greekText = "Καλημέρα κόσμε";

Deno.test("the deployed worker exports over TLS and sets a PDF in its own fonts", async () => {
  await withThrowawayDatabase("worker_as_deployed", async (databaseUrl) => {
    const db = <T>(run: Parameters<typeof withDb<T>>[0]) => withDb(run, databaseUrl);
    const exportId = await db(async (sql) => {
      const user = await ensureUser(sql, `as-deployed-${crypto.randomUUID()}@example.com`);
      const [{ household }] = await sql`
        insert into sample.households (name, created_by) values ('Σπίτι', ${user.id})
        returning id as household`;
      const [{ category }] = await sql`
        insert into sample.budget_categories (household_id, name, kind)
        values (${household}, 'Τρόφιμα', 'expense') returning id as category`;
      await sql`
        insert into sample.budget_line_items (household_id, category_id, description, amount, occurred_on, created_by)
        values (${household}, ${category}, ${greekText}, 12.50, '2026-12-01', ${user.id})`;
      return await sql.begin(async (tx) => {
        await tx`set local role authenticated`;
        await tx`select set_config('request.jwt.claims', ${
          JSON.stringify({ sub: user.id, role: "authenticated" })
        }, true)`;
        const [row] = await tx`
          select export_id from public.request_export(
            source => 'budget', format => 'pdf', scope => ${household})`;
        return row.export_id as string;
      }) as string;
    });

    await using gateway = await startTestGateway({
      env: { SUPABASE_DB_URL: `${databaseUrl}?sslmode=require` },
    });
    await db((sql) => sql`select exports.wake_worker()`);
    const stored = await pollFor("the worker to complete the export", () =>
      db(async (sql) => {
        const [row] = await sql<{ status: string; error: string | null; path: string }[]>`
          select status, error_message as error, storage_bucket || '/' || storage_path as path
          from exports.exports where export_id = ${exportId}`;
        return row.status === "completed" || row.status === "failed" ? row : undefined;
      }), 60_000);
    assert.equal(stored.status, "completed", `the export completes: ${stored.error}`);

    // The worker's pool keeps its connections for a while after its round.
    const [sessions] = await db((sql) =>
      sql<{ sessions: number; encrypted: number }[]>`
        select count(*)::int as sessions, count(*) filter (where s.ssl)::int as encrypted
        from pg_stat_activity a join pg_stat_ssl s using (pid)
        where a.datname = current_database() and a.application_name = 'exports-worker'`
    );
    assert.ok(sessions.sessions > 0, "the worker has sessions on the database");
    assert.equal(sessions.encrypted, sessions.sessions, "every one of them is encrypted");

    const bytes = await Deno.readFile(join(gateway.storageDir, stored.path));
    const { text } = await extractText(await getDocumentProxy(bytes.slice()), {
      mergePages: true,
    });
    assert.ok(text.includes(greekText), `the PDF prints the Greek text as written: ${text}`);
    assert.match(
      new TextDecoder("latin1").decode(bytes),
      /\/BaseFont \/[A-Z]{6}\+DejaVuSansCondensed/,
      "the PDF embeds DejaVu Sans Condensed from the worker's fonts folder",
    );
  });
});
