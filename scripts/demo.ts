// The end-to-end demo: alice asks the exports API for her conversations and
// her household's budget in several formats, waits for the worker, downloads
// every file through its signed link, checks its bytes against the export's
// size and sha256, then shows that bob (a household member) may download the
// budget and carol (an outsider) may not.
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { createHash } from "node:crypto";
import postgres from "postgres";
import { loadProjectKeys } from "../local-stack/gateway/signing_keys.ts";
import { ensureUser, mintUserJwt } from "../local-stack/gateway/users.ts";

const supabaseUrl = Deno.env.get("SUPABASE_URL")!;
// Today's keys: clients send the publishable key, and Auth signs sessions with the ES256 key.
const publishableKey = Deno.env.get("SUPABASE_PUBLISHABLE_KEY")!;
const { signingKey } = await loadProjectKeys(
  Deno.env.get("LOCAL_JWT_SIGNING_KEY")!,
  Deno.env.get("SUPABASE_JWT_SECRET")!,
);
const household = "40000000-0000-4000-8000-00000000a11b"; // alice & bob's, from supabase/seed.sql

interface Export {
  export_id: string;
  source: string;
  format: string;
  compression: string;
  status: string;
  row_count: number | null;
  file_size: number | null;
  file_name: string | null;
  checksum_sha256: string | null;
  error_message: string | null;
}

const requests = [
  { source: "conversations", format: "jsonl", options: { min_quality: 0.5 } },
  { source: "conversations", format: "csv", options: { tag: "billing" } },
  { source: "conversations", format: "markdown", options: { from: "2025-12-01" } },
  { source: "conversations", format: "json", compression: "gzip" },
  { source: "budget", format: "csv", scope: household },
  { source: "budget", format: "xlsx", scope: household },
  { source: "budget", format: "pdf", scope: household },
];

async function clientFor(email: string): Promise<SupabaseClient> {
  const sql = postgres(Deno.env.get("SUPABASE_DB_URL")!, { max: 1, onnotice: () => {} });
  const user = await ensureUser(sql, email).finally(() => sql.end());
  const token = await mintUserJwt(user, { signingKey, issuer: `${supabaseUrl}/auth/v1` });
  return createClient(supabaseUrl, publishableKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { headers: { Authorization: `Bearer ${token}` } },
  });
}

async function call<T>(
  client: SupabaseClient,
  path: string,
  init: { method?: "GET" | "POST"; body?: unknown } = {},
): Promise<T> {
  const { data, error } = await client.functions.invoke(path, init as never);
  if (error) {
    const body = await (error as { context?: Response }).context?.json?.().catch(() => null);
    throw new Error(`${path}: ${JSON.stringify(body?.error ?? error.message)}`);
  }
  return data as T;
}

async function waitFor(client: SupabaseClient, id: string): Promise<Export> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const current = await call<Export>(client, `exports/${id}`, { method: "GET" });
    if (!["queued", "processing"].includes(current.status)) return current;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`export ${id} did not finish within two minutes`);
}

async function download(
  client: SupabaseClient,
  id: string,
): Promise<{ url: string; bytes: Uint8Array<ArrayBuffer> }> {
  const link = await call<{ url: string }>(client, `exports/${id}/link`, {
    body: { expires_in: 60 },
  });
  const response = await fetch(link.url);
  if (!response.ok) throw new Error(`download of ${id} failed: ${response.status}`);
  return { url: link.url, bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function preview(done: Export, bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  if (done.format === "xlsx") return `(XLSX workbook: a zip archive, starts with ${magic(bytes)})`;
  if (done.format === "pdf") return `(PDF document, starts with ${magic(bytes)})`;
  let text = bytes;
  if (done.compression === "gzip") {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    text = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  return new TextDecoder().decode(text.subarray(0, 4000)).split("\n").slice(0, 4)
    .map((line) => (line.length > 110 ? `${line.slice(0, 110)}…` : line)).join("\n");
}

/** The link without its host, folders and token, to keep the table narrow. */
function shortLink(url: string): string {
  const { pathname } = new URL(url);
  return `${pathname.slice(0, pathname.indexOf("/exports/") + 9)}…/${
    pathname.split("/").pop()
  }?token=…`;
}

function magic(bytes: Uint8Array): string {
  return JSON.stringify(new TextDecoder().decode(bytes.subarray(0, 5)));
}

const alice = await clientFor("alice@example.com");
const rows: string[][] = [];
const previews: string[] = [];
const finished: Export[] = [];
// A user may have 5 exports queued or running at once (the SQL core's quota), so ask in waves.
for (let wave = 0; wave < requests.length; wave += 4) {
  const requested = [];
  for (const body of requests.slice(wave, wave + 4)) {
    requested.push(await call<Export>(alice, "exports", { body }));
  }
  for (const { export_id } of requested) finished.push(await waitFor(alice, export_id));
}
console.log(`alice@example.com requested ${finished.length} exports; the worker built them:\n`);

for (const done of finished) {
  if (done.status !== "completed") {
    throw new Error(`${done.export_id} ${done.status}: ${done.error_message}`);
  }
  const { url, bytes } = await download(alice, done.export_id);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (bytes.length !== done.file_size || sha256 !== done.checksum_sha256) {
    throw new Error(`${done.file_name}: downloaded bytes differ from the export's size or sha256`);
  }
  rows.push([
    done.export_id.slice(0, 8),
    `${done.source}.${done.format}${done.compression === "gzip" ? ".gz" : ""}`,
    done.status,
    String(done.row_count),
    `${(bytes.length / 1024).toFixed(1)} KiB`,
    "sha256 ok",
    shortLink(url),
  ]);
  previews.push(`── ${done.file_name}\n${await preview(done, bytes)}`);
}

const header = ["export", "file", "status", "rows", "size", "bytes", "signed link (60 s)"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const row of [header, ...rows]) {
  console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
}
console.log(`\n${previews.join("\n\n")}\n`);

const budget = finished.find((e) => e.source === "budget")!;
const bob = await clientFor("bob@example.com");
const bobs = await download(bob, budget.export_id);
console.log(`bob (household member) downloads the budget export: ${bobs.bytes.length} bytes`);
const carol = await clientFor("carol@example.com");
const refusal = await download(carol, budget.export_id).then(
  () => "a link (wrong!)",
  (e) => e.message,
);
console.log(`carol (outsider) asks for the same link: ${refusal}`);
if (refusal.startsWith("a link")) Deno.exit(1);
