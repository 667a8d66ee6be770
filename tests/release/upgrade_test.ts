// The upgrade path a user of the last release takes: install only that release's migrations,
// use it through the real API (users, exports in several formats, completed, failed, canceled,
// shared and deleted ones, downloads; the exports run by the release's queue contract), apply the
// current migrations on top with the Supabase CLI, then show every row is kept, every client RPC
// still answers and uninstall still leaves nothing of the module behind.
import assert from "node:assert/strict";
import postgres from "postgres";
import { ensureUser, mintUserJwt } from "../../local-stack/gateway/users.ts";
import { serviceClient, type TestClient, userClient } from "../support/clients.ts";
import { withDb } from "../support/db.ts";
import { stackEnv } from "../support/env.ts";
import { startTestGateway } from "../support/gateway.ts";
import { moduleFootprint, noFootprint } from "../support/module_footprint.ts";
import {
  migrate,
  queryValue,
  runCommand,
  withThrowawayDatabase,
} from "../support/throwaway_database.ts";
import { callExportsAs, pollFor } from "../functions/_exports_helpers.ts";
import { writeConfigWithoutWorker } from "./config_without_worker.ts";
import { installRelease, latestRelease } from "./release_install.ts";
import { sha256Hex } from "./release_manifests.ts";
import { lostRows, snapshotRows, tableColumns } from "./table_snapshot.ts";

/** A user of the throwaway database and a supabase-js client calling as them. */
interface Caller {
  id: string;
  token: string;
}

async function createCallers(databaseUrl: string, names: string[]): Promise<Caller[]> {
  const env = stackEnv();
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const callers: Caller[] = [];
    for (const name of names) {
      const user = await ensureUser(sql, `${name}@example.com`);
      const token = await mintUserJwt(user, {
        secret: env.jwtSecret,
        expiresIn: 3600,
        issuer: `${env.supabaseUrl}/auth/v1`,
      });
      callers.push({ id: user.id, token });
    }
    return callers;
  } finally {
    await sql.end();
  }
}

/** Alice's conversations and the household she shares with Bob, in the release's schema. */
async function seedSampleData(databaseUrl: string, alice: Caller, bob: Caller): Promise<string> {
  return await withDb(async (sql) => {
    const [conversation] = await sql`
      insert into sample.conversations (user_id, title, quality_score)
      values (${alice.id}, 'an upgrade, with "quotes"', 0.9) returning id`;
    for (const [position, content] of ["hello", "héllo back", "=1+1"].entries()) {
      await sql`
        insert into sample.messages (conversation_id, user_id, position, role, content)
        values (${conversation.id}, ${alice.id}, ${position},
          ${position % 2 ? "assistant" : "user"}, ${content})`;
    }
    const [household] = await sql`
      insert into sample.households (name, created_by) values ('home', ${alice.id}) returning id`;
    await sql`
      insert into sample.household_members (household_id, user_id)
      values (${household.id}, ${alice.id}), (${household.id}, ${bob.id})
      on conflict do nothing`;
    const [category] = await sql`
      insert into sample.budget_categories (household_id, name, kind)
      values (${household.id}, 'groceries', 'expense') returning id`;
    await sql`
      insert into sample.budget_line_items
        (household_id, category_id, description, amount, occurred_on, created_by)
      values (${household.id}, ${category.id}, 'market', 42.50, '2026-01-02', ${alice.id}),
             (${household.id}, ${category.id}, 'bakery', 3.20, '2026-01-03', ${bob.id})`;
    return household.id as string;
  }, databaseUrl);
}

/**
 * Runs the queued exports of `databaseUrl` as the release's worker did, by the release's queue
 * contract (claim_exports, one upload of the whole file to the claim's path, complete_export or
 * fail_export): the current worker writes exports in slices, which needs the current migrations.
 * Each file is a line naming its export; a file Storage refuses fails its export as too large.
 */
async function runAsTheRelease(databaseUrl: string, gatewayUrl: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const storage = serviceClient({ url: gatewayUrl }).storage;
  const workerId = "release-worker";
  try {
    for (;;) {
      const claims = await sql<
        { export_id: string; storage_bucket: string; storage_path: string; content_type: string }[]
      >`select * from exports.claim_exports(worker_id => ${workerId}, max_exports => 10)`;
      if (claims.length === 0) return;
      for (const claim of claims) {
        const bytes = new TextEncoder().encode(`export ${claim.export_id}\n`);
        const { error } = await storage.from(claim.storage_bucket).upload(
          claim.storage_path,
          bytes,
          {
            contentType: claim.content_type,
            upsert: true,
          },
        );
        if (error) {
          await sql`select exports.fail_export(export_id => ${claim.export_id},
            worker_id => ${workerId}, error_code => 'file_too_large')`;
          continue;
        }
        await sql`select exports.complete_export(export_id => ${claim.export_id},
          worker_id => ${workerId}, file_size => ${bytes.length},
          checksum_sha256 => ${await sha256Hex(bytes)}, row_count => 1)`;
      }
    }
  } finally {
    await sql.end();
  }
}

/** Requests an export through the exports API; its id. */
async function request(client: TestClient, body: Record<string, unknown>): Promise<string> {
  const created = await callExportsAs(client, "", "POST", body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.export_id as string;
}

/** Waits through the exports API until the export leaves queued and processing; its status. */
async function settledStatus(client: TestClient, exportId: string): Promise<string> {
  return await pollFor(`export ${exportId} to settle`, async () => {
    const { body } = await callExportsAs(client, `/${exportId}`, "GET");
    return ["queued", "processing"].includes(body.status as string)
      ? undefined
      : body.status as string;
  });
}

/** get_export answers a set of rows or one row, depending on its declared return type. */
function one(data: unknown): Record<string, unknown> | null {
  return (Array.isArray(data) ? data[0] ?? null : data) as Record<string, unknown> | null;
}

/** The release's client RPCs: the module's functions in `public` that `authenticated` may call. */
async function clientRpcs(databaseUrl: string): Promise<string[]> {
  return (await queryValue(
    databaseUrl,
    `select string_agg(distinct proname, ' ' order by proname) from pg_proc
     where pronamespace = 'public'::regnamespace and proname ~ 'export'
       and has_function_privilege('authenticated', oid, 'execute')`,
  )).split(" ");
}

Deno.test("an install of the last release upgrades to the current migrations with every row kept", async () => {
  const release = await latestRelease();
  const current = [...Deno.readDirSync(new URL("../../supabase/migrations", import.meta.url))]
    .filter((entry) => entry.isFile).length;
  const workerOff = await writeConfigWithoutWorker();
  // One Storage folder for every gateway of the test: files outlive the upgrade as they do hosted.
  const storageDir = await Deno.makeTempDir({ prefix: "upgrade-storage-" });
  try {
    await withThrowawayDatabase("exports_upgrade", async (databaseUrl) => {
      assert.equal(
        await queryValue(databaseUrl, "select count(*) from supabase_migrations.schema_migrations"),
        String(release.migrations.size),
        `only the ${release.version} migrations are installed`,
      );
      const [alice, bob, carol] = await createCallers(databaseUrl, ["alice", "bob", "carol"]);
      const household = await seedSampleData(databaseUrl, alice, bob);
      const gatewayOptions = { env: { SUPABASE_DB_URL: databaseUrl }, storageDir };

      // Without a worker, an export stays queued until its owner cancels it.
      {
        await using gateway = await startTestGateway({ ...gatewayOptions, config: workerOff });
        const asCarol = userClient(carol.token, { url: gateway.url });
        const exportId = await request(asCarol, { source: "conversations", format: "html" });
        const canceled = await callExportsAs(asCarol, `/${exportId}/cancel`, "POST", {});
        assert.deepEqual([canceled.status, canceled.body.status], [200, "canceled"]);
      }

      const ids: Record<string, string> = {};
      {
        await using gateway = await startTestGateway({ ...gatewayOptions, config: workerOff });
        const asAlice = userClient(alice.token, { url: gateway.url });
        const asBob = userClient(bob.token, { url: gateway.url });
        ids.csv = await request(asAlice, { source: "conversations", format: "csv" });
        ids.jsonl = await request(asAlice, {
          source: "conversations",
          format: "jsonl",
          compression: "gzip",
        });
        ids.markdown = await request(asAlice, { source: "conversations", format: "markdown" });
        ids.xlsx = await request(asAlice, { source: "budget", format: "xlsx", scope: household });
        await runAsTheRelease(databaseUrl, gateway.url);
        for (const id of Object.values(ids)) {
          assert.equal(await settledStatus(asAlice, id), "completed", `export ${id} completes`);
        }
        for (const [client, id] of [[asAlice, ids.csv], [asBob, ids.xlsx]] as const) {
          const link = await callExportsAs(client, `/${id}/link`, "POST", {});
          assert.equal(link.status, 200, JSON.stringify(link.body));
          const download = await fetch(link.body.url as string);
          assert.ok(download.ok, `the link of ${id} downloads`);
          await download.body?.cancel();
        }
        assert.equal((await callExportsAs(asAlice, `/${ids.markdown}`, "DELETE")).status, 204);

        // A bucket that takes no file of this size fails the next export for good.
        const limit = await queryValue(
          databaseUrl,
          "select coalesce(file_size_limit::text, 'null') from storage.buckets where id = 'exports'",
        );
        await queryValue(
          databaseUrl,
          "update storage.buckets set file_size_limit = 16 where id = 'exports'",
        );
        ids.failed = await request(asAlice, { source: "conversations", format: "json" });
        await runAsTheRelease(databaseUrl, gateway.url);
        assert.equal(await settledStatus(asAlice, ids.failed), "failed");
        await queryValue(
          databaseUrl,
          `update storage.buckets set file_size_limit = ${limit} where id = 'exports'`,
        );
      }
      const logged = await queryValue(
        databaseUrl,
        "select string_agg(distinct event, ' ' order by event) from exports.export_events",
      );
      const states = "requested started completed downloaded failed canceled deleted";
      for (const event of states.split(" ")) {
        assert.ok(logged.split(" ").includes(event), `the release has logged an export ${event}`);
      }

      const rpcs = await clientRpcs(databaseUrl);
      const columns = await tableColumns(databaseUrl, {
        schemas: ["exports", "sample"],
        tables: ["storage.objects"],
      });
      // A migration may register a source again (a sample source offering a
      // new format): the source is kept, its registration may change.
      columns["exports.sources"] = ["name"];
      // A migration may change a format's settings (XLSX's row cap, its words): the format is kept.
      columns["exports.formats"] = ["name"];
      const before = await snapshotRows(databaseUrl, columns);
      await migrate(databaseUrl);
      assert.equal(
        await queryValue(databaseUrl, "select count(*) from supabase_migrations.schema_migrations"),
        String(current),
        "every current migration is applied on top of the release",
      );
      assert.deepEqual(
        lostRows(before, await snapshotRows(databaseUrl, columns)),
        {},
        "every row is kept",
      );

      {
        await using gateway = await startTestGateway({ ...gatewayOptions, config: workerOff });
        const called = new Set<string>();
        const rpc = async (client: TestClient, name: string, args: Record<string, unknown>) => {
          called.add(name);
          const { data, error } = await client.rpc(name, args);
          assert.equal(error, null, `${name} answers: ${JSON.stringify(error)}`);
          return data;
        };
        const asAlice = userClient(alice.token, { url: gateway.url });
        const asBob = userClient(bob.token, { url: gateway.url });

        const requested = await rpc(asAlice, "request_export", {
          source: "conversations",
          format: "csv",
        });
        assert.equal(requested.status, "queued");
        const listed = await rpc(asAlice, "list_exports", {});
        const listedIds = listed.exports.map((summary: { export_id: string }) => summary.export_id);
        for (
          const id of [requested.export_id, ...Object.values(ids)].filter((id) =>
            id !== ids.markdown
          )
        ) {
          assert.ok(listedIds.includes(id), `list_exports lists ${id}`);
        }
        assert.equal(
          one(await rpc(asAlice, "get_export", { export_id: ids.csv }))?.status,
          "completed",
        );
        assert.equal(
          one(await rpc(asBob, "get_export", { export_id: ids.xlsx }))?.status,
          "completed",
        );
        const events = await rpc(asAlice, "list_export_events", { export_id: ids.csv });
        assert.deepEqual(
          events.map((row: { event: string }) => row.event),
          ["requested", "started", "completed", "downloaded"],
        );

        const [download] = await rpc(asAlice, "record_export_download", { export_id: ids.csv });
        const { data: signed, error } = await serviceClient({ url: gateway.url }).storage
          .from(download.storage_bucket).createSignedUrl(download.storage_path, 60);
        assert.equal(error, null);
        const file = await fetch(signed!.signedUrl);
        assert.equal(file.status, 200, "a file completed before the upgrade still downloads");
        const bytes = await file.bytes();
        assert.equal(
          await sha256Hex(bytes),
          await queryValue(
            databaseUrl,
            `select checksum_sha256 from exports.exports where export_id = '${ids.csv}'`,
          ),
          "a file completed before the upgrade downloads as it was",
        );

        const canceled = await rpc(asAlice, "cancel_export", { export_id: requested.export_id });
        assert.equal(canceled.status, "canceled");
        await rpc(asAlice, "delete_export", { export_id: requested.export_id });
        assert.equal(
          one(await rpc(asAlice, "get_export", { export_id: requested.export_id })),
          null,
          "a deleted export is gone from its owner's view",
        );
        assert.deepEqual([...called].sort(), rpcs, "every client RPC of the release was called");

        // Uninstall keeps a bucket that holds files: empty it through Storage, as a user would.
        const stored = (await queryValue(
          databaseUrl,
          "select string_agg(name, e'\\n') from storage.objects where bucket_id = 'exports'",
        )).split("\n");
        const removed = await serviceClient({ url: gateway.url }).storage.from("exports")
          .remove(stored);
        assert.equal(removed.error, null);
      }
      await runCommand("scripts/uninstall", [databaseUrl]);
      assert.equal(
        await moduleFootprint(databaseUrl),
        noFootprint,
        "nothing of the module is left",
      );
      assert.equal(
        await queryValue(databaseUrl, "select count(*) from auth.users"),
        "3",
        "the app's users are untouched",
      );
    }, (databaseUrl) => installRelease(databaseUrl, release));
  } finally {
    await Deno.remove(workerOff.replace(/\/config\.toml$/, ""), { recursive: true });
    await Deno.remove(storageDir, { recursive: true });
  }
});
