// Helpers for the exports end-to-end tests: seed a user's data with SQL, call
// the exports API with supabase-js (and read the status it really answered),
// wait for an export to reach a state, and look at what the worker left in
// Storage (its rows and its bytes on disk).
import { join } from "node:path";
import { serviceClient, type TestClient, userClient } from "../support/clients.ts";
import { withDb } from "../support/db.ts";
import type { TestUser } from "../support/users.ts";

/** Gives `user` one conversation whose messages hold awkward text. */
export async function seedConversation(user: TestUser, contents: string[]): Promise<void> {
  await seedConversations(user, [{ title: 'tricky "title", with commas', contents }]);
}

/** A conversation to seed: its title and its messages' text, user and assistant in turn. */
export interface SeededConversation {
  title: string;
  contents: string[];
}

/** Gives `user` these conversations, oldest first, a minute apart. */
export async function seedConversations(
  user: TestUser,
  conversations: SeededConversation[],
): Promise<void> {
  await withDb(async (sql) => {
    for (const [order, { title, contents }] of conversations.entries()) {
      const [conversation] = await sql`
        insert into sample.conversations (user_id, title, quality_score, created_at)
        values (${user.id}, ${title}, 0.9,
          timestamptz '2026-01-01 00:00:00+00' + make_interval(mins => ${order}))
        returning id`;
      for (const [index, content] of contents.entries()) {
        await sql`
          insert into sample.messages (conversation_id, user_id, position, role, content)
          values (${conversation.id}, ${user.id}, ${index}, ${
          index % 2 ? "assistant" : "user"
        }, ${content})`;
      }
    }
  });
}

/** Gives `user` `count` conversations of five short messages each, for exports that take a while. */
export async function seedManyConversations(user: TestUser, count: number): Promise<void> {
  await withDb(async (sql) => {
    await sql`
      with created as (
        insert into sample.conversations (user_id, title, created_at)
        select ${user.id}, 'bulk conversation ' || n,
          timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => n)
        from generate_series(1, ${count}) as n
        returning id)
      insert into sample.messages (conversation_id, user_id, position, role, content)
      select c.id, ${user.id}, p, case when p % 2 = 0 then 'user' else 'assistant' end,
        repeat('a sentence of bulk text, ', 8)
      from created c cross join generate_series(0, 4) as p`;
  });
}

/** A budget line to seed: its date (yyyy-mm-dd), category (kind expense), description and amount. */
export interface SeededLine {
  occurredOn: string;
  category: string;
  description: string;
  amount: string;
}

/** Creates a household owned by `owner`, with `members` and these budget lines; returns its id. */
export async function seedHousehold(
  owner: TestUser,
  members: TestUser[],
  lines: SeededLine[],
): Promise<string> {
  return await withDb(async (sql) => {
    const [household] = await sql`
      insert into sample.households (name, created_by) values ('a test household', ${owner.id})
      returning id`;
    for (const member of members) {
      await sql`
        insert into sample.household_members (household_id, user_id)
        values (${household.id}, ${member.id})`;
    }
    for (const line of lines) {
      const [category] = await sql`
        insert into sample.budget_categories (household_id, name, kind)
        values (${household.id}, ${line.category}, 'expense')
        on conflict (household_id, name) do update set kind = excluded.kind
        returning id`;
      await sql`
        insert into sample.budget_line_items
          (household_id, category_id, description, amount, occurred_on, created_by)
        values (${household.id}, ${category.id}, ${line.description}, ${line.amount},
          ${line.occurredOn}, ${owner.id})`;
    }
    return household.id as string;
  });
}

/** An answer of the exports API: its real HTTP status, headers and JSON body ({} for a 204). */
export interface ExportsAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Calls the exports API as `user` with supabase-js, as a client app does. */
export async function callExports(
  user: TestUser,
  path: string,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  body?: Record<string, unknown> | string,
): Promise<ExportsAnswer> {
  return await callExportsAs(userClient(user.token, { keys: user.keys }), path, method, body);
}

/**
 * Calls the exports API with `client`. supabase-js hands back the Response it
 * read (on success its body is already parsed into `data`), so the status is
 * the one the API sent, not one made up here.
 */
export async function callExportsAs(
  client: TestClient,
  path: string,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  body?: Record<string, unknown> | string,
): Promise<ExportsAnswer> {
  const { data, error, response } = await client.functions.invoke(`exports${path}`, {
    method,
    ...(body === undefined ? {} : { body }),
  });
  if (!response) throw error;
  const { status, headers } = response;
  if (error) return { status, headers, body: await response.json() };
  if (status === 204) return { status, headers, body: {} };
  if (typeof data !== "object" || data === null) {
    throw new Error(`the exports API answered ${status} without a JSON object: ${String(data)}`);
  }
  return { status, headers, body: data };
}

/** Requests an export as `user` and returns its id; throws with the answer when refused. */
export async function requestExport(user: TestUser, request: Record<string, unknown>) {
  const created = await callExports(user, "", "POST", request);
  if (created.status !== 201) {
    throw new Error(`the export request was refused: ${JSON.stringify(created)}`);
  }
  return created.body.export_id as string;
}

/** Polls GET /exports/:id until the export leaves queued/processing, at most `timeoutMs`. */
export async function settled(
  user: TestUser,
  exportId: string,
  timeoutMs?: number,
): Promise<Record<string, unknown>> {
  return await pollFor(`export ${exportId} to settle`, async () => {
    const { body } = await callExports(user, `/${exportId}`, "GET");
    return ["queued", "processing"].includes(body.status as string) ? undefined : body;
  }, timeoutMs);
}

/** Requests an export as `user`, waits for it and returns its file's bytes through a signed link. */
export async function exportedBytes(
  user: TestUser,
  request: Record<string, unknown>,
): Promise<Uint8Array> {
  const done = await settled(user, await requestExport(user, request));
  if (done.status !== "completed") throw new Error(`the export ended ${JSON.stringify(done)}`);
  return await linkedBytes(user, done.export_id as string);
}

/** Mints a link for the export as `user` and downloads it. */
export async function linkedBytes(user: TestUser, exportId: string): Promise<Uint8Array> {
  const link = await callExports(user, `/${exportId}/link`, "POST", {});
  if (link.status !== 200) throw new Error(`no link: ${JSON.stringify(link)}`);
  const response = await fetch(link.body.url as string);
  if (!response.ok) {
    throw new Error(`the link answered ${response.status}: ${await response.text()}`);
  }
  return await response.bytes();
}

/**
 * Calls `check` until it returns a value other than undefined, at most
 * `timeoutMs`; throws naming what it waited for.
 */
export async function pollFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The module's own row of an export, with what clients never see (lease, storage path). */
export interface ExportRow {
  status: string;
  attempt: number;
  max_attempts: number;
  error_code: string | null;
  error_message: string | null;
  lease_owner: string | null;
  storage_bucket: string;
  storage_path: string;
  purged_at: Date | null;
  /** Rows of the completed file (int8, as a number). */
  row_count: number | null;
}

/** Reads the module's row of an export. */
export async function exportRow(exportId: string): Promise<ExportRow> {
  return await withDb(async (sql) => {
    const [row] = await sql<ExportRow[]>`
      select status, attempt, max_attempts, error_code, error_message, lease_owner,
        storage_bucket, storage_path, purged_at, row_count::float8 as row_count
      from exports.exports where export_id = ${exportId}`;
    if (!row) throw new Error(`export ${exportId} has no row`);
    return row;
  });
}

/** The events logged for an export, oldest first. */
export async function exportEvents(exportId: string): Promise<string[]> {
  return await withDb(async (sql) => {
    const rows = await sql<{ event: string }[]>`
      select event from exports.export_events where export_id = ${exportId} order by id`;
    return rows.map((row) => row.event);
  });
}

/**
 * An export's folder in its bucket, `<scope or owner>/<export id>/`: every
 * attempt's file lies below it (`<attempt>/<file>`, see exports._attempt_path).
 */
function exportFolder(row: ExportRow): string {
  return row.storage_path.split("/").slice(0, 2).join("/") + "/";
}

/** The names of the objects Storage has recorded under an export's folder, every attempt's. */
export async function storedObjects(row: ExportRow): Promise<string[]> {
  const folder = exportFolder(row);
  return await withDb(async (sql) => {
    const rows = await sql<{ name: string }[]>`
      select name from storage.objects
      where bucket_id = ${row.storage_bucket} and starts_with(name, ${folder})`;
    return rows.map((object) => object.name);
  });
}

/**
 * The folder where the stack's gateway keeps Storage's bytes, as
 * scripts/gateway-start places it (EXPORTS_LOCAL_DIR, else .local).
 */
export function gatewayStorageDir(): string {
  const repoRoot = new URL("../../", import.meta.url).pathname;
  return join(Deno.env.get("EXPORTS_LOCAL_DIR") ?? join(repoRoot, ".local"), "storage");
}

/**
 * The files on disk in an export's folder of the stack's Storage: an unstaged attempt's as
 * `<attempt>/<file>`, a part as `<file>`.
 */
export async function filesOnDisk(row: ExportRow): Promise<string[]> {
  const folder = join(gatewayStorageDir(), row.storage_bucket, exportFolder(row));
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (!entry.isDirectory) {
        files.push(entry.name);
        continue;
      }
      for await (const file of Deno.readDir(join(folder, entry.name))) {
        files.push(`${entry.name}/${file.name}`);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return files;
}

/**
 * Wakes the stack's worker the way the exports API and pg_cron do: with the legacy service-role
 * JWT, since the worker is behind `verify_jwt`, which takes a JWT and never a secret key.
 */
export async function wakeWorker(): Promise<void> {
  const { error } = await serviceClient({ keys: "legacy" }).functions.invoke("exports-worker", {
    method: "POST",
  });
  if (error) throw error;
}
