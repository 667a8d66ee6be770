// Seeded fuzzing of the exports API and the public RPCs through the local
// gateway: no answer is a 5xx but a documented 503, every refusal has the
// documented shape and code, and refused requests change no row of the
// module's tables and no object in Storage. EXPORTS_FUZZ_CASES sets how many
// cases run (scripts/test runs the full count); EXPORTS_FUZZ_SEED replays one.
import assert from "node:assert/strict";
import { signJwt } from "../../local-stack/gateway/jwt.ts";
import { apiRefusalCodes, sqlstateAnswers } from "../../functions/_shared/api/http_errors.ts";
import { withDb } from "../support/db.ts";
import { stackEnv } from "../support/env.ts";
import { createTestUser, type TestUser } from "../support/users.ts";
import { type FuzzCase, fuzzCases, type TokenKind } from "./_fuzz_cases.ts";
import { requestExport, settled } from "./_exports_helpers.ts";

const cases = Number(Deno.env.get("EXPORTS_FUZZ_CASES") ?? "300");
const seed = Number(Deno.env.get("EXPORTS_FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 31));
const batchSize = 50;
const inFlight = 8;

/** Every code the API documents: the EX table's and its own refusals'. */
const documentedCodes = new Set([
  ...Object.values(sqlstateAnswers).map((answer) => answer.code),
  ...apiRefusalCodes,
]);

/** The Authorization header each kind of caller sends (none: no header). */
async function tokenHeaders(user: TestUser): Promise<Record<TokenKind, string | null>> {
  const { jwtSecret, anonKey, serviceRoleKey } = stackEnv();
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const expired = await createTestUser(undefined, -60);
  const deleted = await createTestUser();
  await withDb((sql) => sql`delete from auth.users where id = ${deleted.id}`);
  const [header, payload] = user.token.split(".");
  const unsigned = (claims: object) =>
    `${btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replaceAll("=", "")}.${
      btoa(JSON.stringify(claims)).replaceAll("=", "")
    }.`;
  const bearer = (token: string) => `Bearer ${token}`;
  return {
    none: null,
    anon: bearer(anonKey),
    service_role: bearer(serviceRoleKey),
    user: bearer(user.token),
    expired: bearer(expired.token),
    forged: bearer(`${header}.${payload}.${"A".repeat(43)}`),
    alg_none: bearer(unsigned({ role: "authenticated", sub: user.id, exp })),
    deleted_user: bearer(deleted.token),
    unknown_role: bearer(await signJwt({ role: "no_such_role", sub: user.id, exp }, jwtSecret)),
    bad_sub: bearer(await signJwt({ role: "authenticated", sub: "not-a-uuid", exp }, jwtSecret)),
    garbage: bearer("not.a.jwt"),
  };
}

/** What a case was answered. */
interface Answer {
  status: number;
  body: unknown;
  text: string;
}

async function send(fuzz: FuzzCase, authorization: string | null): Promise<Answer> {
  const { supabaseUrl, anonKey } = stackEnv();
  const url = fuzz.target === "api"
    ? `${supabaseUrl}/functions/v1/exports${fuzz.path}`
    : `${supabaseUrl}/rest/v1/rpc/${fuzz.path}`;
  const response = await fetch(url, {
    method: fuzz.method,
    headers: { apikey: anonKey, ...fuzz.headers, ...(authorization ? { authorization } : {}) },
    body: fuzz.body,
  });
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    // Checked below where a body is due.
  }
  return { status: response.status, body, text };
}

/** Why an answer breaks a property, or null when it keeps them all. */
function violation(fuzz: FuzzCase, answer: Answer): string | null {
  const { status, body } = answer;
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (fuzz.target === "api") {
    if (status >= 500 && !(status === 503 && error?.code === "service_unavailable")) {
      return `a ${status}`;
    }
    if (status < 400 || fuzz.method === "HEAD") return null;
    if (typeof body !== "object" || body === null || Object.keys(body).join() !== "error") {
      return "a refusal whose body is not {error}";
    }
    if (typeof error?.code !== "string" || !documentedCodes.has(error.code)) {
      return `an undocumented code ${String(error?.code)}`;
    }
    if (typeof error.message !== "string" || error.message === "") return "no message";
    return null;
  }
  const rpcError = body as { code?: unknown; message?: unknown } | undefined;
  if (status >= 500 && status !== 503) return `a ${status}`;
  if (status < 400) return null;
  if (typeof rpcError?.code !== "string" || typeof rpcError.message !== "string") {
    return "a refusal not in PostgREST's shape {code, message, details, hint}";
  }
  return null;
}

const uuidPattern = /[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/;

/** Whether a case, if admitted, may change rows: a write through the API or a writing RPC. */
function mutates(fuzz: FuzzCase): boolean {
  return fuzz.target === "api"
    ? !["GET", "HEAD", "OPTIONS"].includes(fuzz.method)
    : ["request_export", "cancel_export", "delete_export", "record_export_download"]
      .includes(fuzz.path);
}

/** What a case changed when it was admitted: the exports it names or created. */
function admittedIds(fuzz: FuzzCase, answer: Answer): string[] {
  const everyUuid = new RegExp(uuidPattern, "g");
  const ids: string[] = [...(fuzz.path.match(everyUuid) ?? [])];
  if (typeof fuzz.body === "string") ids.push(...(fuzz.body.match(everyUuid) ?? []));
  const created = (answer.body as { export_id?: unknown } | undefined)?.export_id;
  if (typeof created === "string") ids.push(created);
  return ids;
}

/**
 * A digest of the module's rows and Storage objects of `users`, less those of
 * `admitted` exports (which the worker goes on changing), the usage of users
 * who had a request admitted, and the claims the cleanup may drop.
 */
async function fingerprint(users: string[], admitted: string[], busy: string[]): Promise<string> {
  const array = (ids: string[]) => `{${ids.join(",")}}`;
  return await withDb(async (sql) => {
    const [row] = await sql`
      with u as (select unnest(${array(users)}::uuid[]) as id),
           a as (select unnest(${array(admitted)}::uuid[]) as id),
           e as (select * from exports.exports e
                  where e.owner_id in (select id from u) and e.export_id not in (select id from a))
      select md5(concat_ws('|',
        (select string_agg(e::text, ',' order by e.id) from e),
        -- The cleanup job drops a finished export's claims on its own schedule.
        (select string_agg(c::text, ',' order by c.export_id)
           from exports.request_claims c
          where c.export_id in (select export_id from e where status in ('queued', 'processing'))),
        (select string_agg(v::text, ',' order by v.id) from exports.export_events v
          where v.owner_id in (select id from u) and v.export_id not in (select id from a)),
        (select string_agg(s::text, ',' order by s.user_id) from exports.usage s
          where s.user_id in (select id from u) and s.user_id <> all(${array(busy)}::uuid[])),
        (select string_agg(m::text, ',' order by m.scope_id) from exports.scope_members m
          where m.user_id in (select id from u)),
        (select string_agg(o.id::text || o.name || o.updated_at::text, ',' order by o.name)
           from storage.objects o
          where o.bucket_id = 'exports'
            and split_part(o.name, '/', 1) in (select id::text from u)
            and split_part(o.name, '/', 2) not in (select id::text from a)))) as digest`;
    return row.digest as string;
  });
}

Deno.test(`the exports API and the RPCs keep their contract under ${cases} fuzzed requests`, async () => {
  console.log(`fuzz seed ${seed} (replay: EXPORTS_FUZZ_SEED=${seed} EXPORTS_FUZZ_CASES=${cases})`);
  const user = await createTestUser();
  const victim = await createTestUser();
  // A completed export of another user: no fuzzed request may touch it.
  const victimExport = await requestExport(victim, { source: "conversations", format: "csv" });
  assert.equal((await settled(victim, victimExport)).status, "completed");
  const headers = await tokenHeaders(user);
  const users = [user.id, victim.id];
  const admitted = new Set<string>();
  const busy = new Set<string>();
  const generated = fuzzCases(seed, cases);
  for (const [index, fuzz] of generated.entries()) {
    // Some cases aim at the victim's export instead of a random id.
    if (index % 7 === 0) {
      fuzz.path = fuzz.path.replace(uuidPattern, victimExport);
      if (typeof fuzz.body === "string") fuzz.body = fuzz.body.replace(uuidPattern, victimExport);
    }
  }
  const statuses = new Map<number, number>();
  let compared = 0;
  for (let start = 0; start < generated.length; start += batchSize) {
    const batch = generated.slice(start, start + batchSize);
    const before = await fingerprint(users, [...admitted], [...busy]);
    const admittedBefore = admitted.size + busy.size;
    let next = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < batch.length) {
        const number = start + next;
        const fuzz = batch[next++];
        const answer = await send(fuzz, headers[fuzz.token]);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const broken = violation(fuzz, answer);
        assert.equal(
          broken,
          null,
          `case ${number} of seed ${seed} was answered with ${broken}: ` +
            `${fuzz.method} ${fuzz.target} ${fuzz.path.slice(0, 120)} as ${fuzz.token}` +
            ` -> ${answer.status} ${answer.text.slice(0, 300)}`,
        );
        if (answer.status < 300 && mutates(fuzz)) {
          for (const id of admittedIds(fuzz, answer)) admitted.add(id);
          if (fuzz.token === "user") busy.add(user.id);
        }
      }
    }));
    // A batch that admitted something moves the baseline; the others must leave it as it was.
    if (admitted.size + busy.size === admittedBefore) {
      assert.equal(
        await fingerprint(users, [...admitted], [...busy]),
        before,
        `a refused request of cases ${start}-${start + batch.length - 1} of seed ${seed} ` +
          "changed the module's rows or Storage",
      );
      compared++;
    }
  }
  console.log(`answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
  assert.ok(
    compared >= Math.ceil(generated.length / batchSize) / 2,
    "most batches are compared",
  );
  assert.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(401) ?? 0) > 0, "refusals were seen");
});

Deno.test("ARCHITECTURE.md names every refusal code of the API's own", async () => {
  const text = await Deno.readTextFile(new URL("../../ARCHITECTURE.md", import.meta.url));
  const section = text.slice(text.indexOf("### The exports API"));
  for (const code of apiRefusalCodes) assert.ok(section.includes(`\`${code}\``), code);
});
