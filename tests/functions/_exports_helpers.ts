// Helpers for the exports end-to-end tests: seed a user's data with SQL, call
// the exports API with supabase-js, wait for an export to settle.
import postgres from "postgres";
import { stackEnv } from "../support/env.ts";
import { userClient } from "../support/clients.ts";
import type { TestUser } from "../support/users.ts";

/** Runs `work` with a superuser connection to the local database. */
export async function withDb<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(stackEnv().databaseUrl, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}

/** Gives `user` one conversation whose messages hold awkward text. */
export async function seedConversation(user: TestUser, contents: string[]): Promise<void> {
  await withDb(async (sql) => {
    const [conversation] = await sql`
      insert into sample.conversations (user_id, title, quality_score)
      values (${user.id}, 'tricky "title", with commas', 0.9) returning id`;
    for (const [index, content] of contents.entries()) {
      await sql`
        insert into sample.messages (conversation_id, user_id, position, role, content)
        values (${conversation.id}, ${user.id}, ${index}, ${
        index % 2 ? "assistant" : "user"
      }, ${content})`;
    }
  });
}

/** Calls the exports API as `user`; returns the status and the JSON body. */
export async function callExports(
  user: TestUser,
  path: string,
  method: "GET" | "POST" | "DELETE",
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { data, error } = await userClient(user.token).functions.invoke(`exports${path}`, {
    method,
    ...(body === undefined ? {} : { body: body as Record<string, unknown> }),
  });
  if (!error) return { status: 200, body: data ?? {} };
  const response = (error as { context?: Response }).context;
  if (!response) throw error;
  return { status: response.status, body: await response.json() };
}

/** Polls GET /exports/:id until the export leaves queued/processing. */
export async function settled(user: TestUser, exportId: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 120; attempt++) {
    const { body } = await callExports(user, `/${exportId}`, "GET");
    if (!["queued", "processing"].includes(body.status as string)) return body;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`export ${exportId} did not settle in 30 seconds`);
}
