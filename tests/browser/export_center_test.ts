// The export center page in a real browser (headless Chromium): seeded users sign in with their
// passwords, request exports and watch them finish without reloading, download the files, cancel
// and delete, and see a household's shared export while an outsider does not. Each state is shot
// at a phone's and a desktop's width under the test results.
import assert from "node:assert/strict";
import type { Browser, Download, Locator, Page } from "playwright-core";
import { launchBrowser, resultsDir, shootWidths } from "../support/browser.ts";
import { withDb } from "../support/db.ts";
import { stackEnv } from "../support/env.ts";
import { registerSlowSource } from "../functions/_slow_source.ts";
import { numberedSource, registerNumberedSource } from "../functions/_sliced_exports.ts";

/** Seeded users (supabase/seed.sql); every password is "password". */
const alice = "alice@example.com";
const bob = "bob@example.com";
const carol = "carol@example.com";

/** Long enough for the worker under a loaded CI machine; a hang still fails. */
const waitMs = 45_000;

/**
 * `capped_rows`: the slow source's rows with at most 5 a CSV, behind a count that finds none, so
 * the request passes and the worker fails the export with `too_many_rows`, as when rows are added
 * between a request and its run.
 */
async function registerCappedSource(): Promise<void> {
  await registerSlowSource();
  await withDb(async (sql) => {
    await sql.unsafe(`
      create or replace function exports_tests.no_rows_counted(options jsonb) returns bigint
      language sql stable security invoker set search_path = '' as $$ select 0::bigint $$;
      grant execute on function exports_tests.no_rows_counted(jsonb) to authenticated;
    `);
    await sql`select exports.register_source(name => 'capped_rows',
      rows_function => 'exports_tests.slow_rows(jsonb)', formats => array['csv'],
      count_function => 'exports_tests.no_rows_counted(jsonb)', row_limits => '{"csv": 5}',
      option_types => '{"rows": "integer", "sleep_ms": "integer"}',
      description => 'Rows past the limit the request could not see.')`;
  });
}

async function signIn(browser: Browser, email: string, query = ""): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (error) => console.error(`page error (${email}):`, error));
  await page.goto(`${stackEnv().supabaseUrl}/export-center/${query}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("password");
  // The keyboard submits the form, as a user without a mouse would.
  await page.getByLabel("Password").press("Enter");
  await page.locator("#who-email").getByText(email).waitFor();
  await page.locator("#exports[aria-busy]").waitFor({ state: "detached" });
  return page;
}

/** Fills and sends the request form; answers the new export's id. */
async function requestExport(
  page: Page,
  request: { source: string; format: string; options?: Record<string, string> },
): Promise<string> {
  const form = page.locator("#request-form");
  await form.getByLabel("Data").selectOption(request.source);
  await form.getByLabel("Format").selectOption(request.format);
  for (const [label, value] of Object.entries(request.options ?? {})) {
    await form.getByLabel(label, { exact: true }).fill(value);
  }
  const [response] = await Promise.all([
    page.waitForResponse((r) =>
      r.request().method() === "POST" && new URL(r.url()).pathname === "/functions/v1/exports"
    ),
    form.getByRole("button", { name: "Request export" }).click(),
  ]);
  assert.equal(response.status(), 201, await response.text());
  return (await response.json()).export_id;
}

function row(page: Page, exportId: string): Locator {
  return page.locator(`li[data-export-id="${exportId}"]`);
}

async function waitForStatus(page: Page, exportId: string, status: string): Promise<Locator> {
  const item = row(page, exportId);
  await page.locator(`li[data-export-id="${exportId}"][data-status="${status}"]`).waitFor({
    timeout: waitMs,
  });
  return item;
}

/** Downloads the row's file through the page and answers its bytes. */
async function downloadFrom(page: Page, item: Locator): Promise<Uint8Array> {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    item.getByRole("button", { name: /^Download / }).click(),
  ]);
  return await Deno.readFile(await download.path());
}

/** Resolves once `condition` holds, checking every 100 ms; fails after `waitMs`. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not so after ${waitMs} ms: ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stored(exportId: string) {
  return await withDb(async (sql) => {
    const [row] = await sql`
      select status, file_size, checksum_sha256, deleted_at from exports.exports
      where export_id = ${exportId}`;
    return row;
  });
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("export center: request, watch, download, cancel, fail, delete and share in a browser", async (t) => {
  await registerCappedSource();
  await registerNumberedSource();
  const shots = await resultsDir("export-center");
  await using browser = await launchBrowser();

  await t.step("a wrong password is refused with a message, the right one signs in", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${stackEnv().supabaseUrl}/export-center/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await shootWidths(page, shots, "01-sign-in");
    await page.getByLabel("Email").fill(alice);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText("do not match an account").waitFor();
    await shootWidths(page, shots, "02-sign-in-refused");
    await page.close();
  });

  const page = await signIn(browser, alice);
  // Set once: still there at the end means the page never reloaded.
  await page.evaluate(() => Object.assign(globalThis, { sameDocument: true }));

  let conversationsId = "";
  await t.step("a requested export runs and completes live, without a reload", async () => {
    // Joined to its private Realtime topics, so changes arrive as broadcasts, not by polling.
    await page.locator('#live-mode[data-mode="realtime"]').waitFor({ timeout: 20_000 });
    await shootWidths(page, shots, "03-signed-in");
    conversationsId = await requestExport(page, {
      source: "conversations",
      format: "csv",
      options: { "Min quality": "0.5" },
    });
    await row(page, conversationsId).waitFor();
    await shootWidths(page, shots, "04-requested");
    const item = await waitForStatus(page, conversationsId, "completed");
    await item.getByText("Ready").waitFor();
    assert.ok(await page.evaluate(() => "sameDocument" in globalThis), "the page did not reload");
    await shootWidths(page, shots, "05-completed");
  });

  await t.step("the download is the stored file, byte for byte", async () => {
    const bytes = await downloadFrom(page, row(page, conversationsId));
    const file = await stored(conversationsId);
    assert.equal(bytes.length, Number(file.file_size));
    assert.equal(await sha256(bytes), file.checksum_sha256);
    const header = new TextDecoder().decode(bytes.subarray(0, 200)).split("\n")[0];
    assert.match(header, /^conversation_id,/, "the file is the source's CSV, header first");
  });

  await t.step("a running export shows its progress and can be canceled", async () => {
    const slowId = await requestExport(page, {
      source: "slow_rows",
      format: "csv",
      options: { Rows: "600", "Sleep ms": "100" },
    });
    const item = await waitForStatus(page, slowId, "processing");
    await item.getByRole("progressbar").waitFor();
    // A small export is counted when it is requested, so its progress has an end.
    await item.getByText(/ of 600 rows/).waitFor();
    await shootWidths(page, shots, "06-running");
    await item.getByRole("button", { name: /^Cancel / }).click();
    await waitForStatus(page, slowId, "canceled");
    assert.equal((await stored(slowId)).status, "canceled");
    await shootWidths(page, shots, "07-canceled");
  });

  await t.step("a failed export says why and what to do, and can be deleted", async () => {
    const cappedId = await requestExport(page, {
      source: "capped_rows",
      format: "csv",
      options: { Rows: "20", "Sleep ms": "0" },
    });
    const item = await waitForStatus(page, cappedId, "failed");
    await item.getByRole("note").getByText(/Why it failed:.*narrow it down/).waitFor();
    await shootWidths(page, shots, "08-failed");
    page.once("dialog", (dialog) => dialog.accept());
    await item.getByRole("button", { name: /^Delete / }).click();
    await item.waitFor({ state: "detached", timeout: waitMs });
    assert.ok((await stored(cappedId)).deleted_at, "the export is deleted");
  });

  await t.step("filters show only the exports that match", async () => {
    await page.locator("#filters").getByLabel("Status").selectOption("canceled");
    await until(async () =>
      await page.locator('#exports li[data-status="canceled"]').count() > 0 &&
      await page.locator('#exports li:not([data-status="canceled"])').count() === 0
    );
    await shootWidths(page, shots, "09-filtered");
    await page.locator("#filters").getByLabel("Status").selectOption("");
    await row(page, conversationsId).waitFor();
  });

  await t.step("a list that cannot load says so and loads again on request", async () => {
    // The network drops the API's answers, as when the connection is lost.
    const listCalls = "**/functions/v1/exports?*";
    await page.route(listCalls, (route) => route.abort("connectionrefused"));
    await page.locator("#filters").getByLabel("Format").selectOption("csv");
    await page.getByText("Your exports could not be loaded").waitFor();
    await shootWidths(page, shots, "10-list-error");
    await page.unroute(listCalls);
    await page.getByRole("button", { name: "Try again" }).click();
    await row(page, conversationsId).waitFor();
    await page.getByRole("button", { name: "Try again" }).waitFor({ state: "hidden" });
    await page.locator("#filters").getByLabel("Format").selectOption("");
  });

  await t.step("pages go older and newer, from the keyboard", async () => {
    // One export a page: alice has at least two by now (the conversations, the canceled one).
    const paged = await signIn(browser, alice, "?page_size=1");
    const info = paged.locator("#page-info");
    await info.getByText(/^1–1 of [0-9]+$/).waitFor();
    const firstPage = await paged.locator("#exports li").evaluateAll((rows) =>
      rows.map((row) => row.getAttribute("data-export-id"))
    );
    await paged.getByRole("button", { name: "Older" }).press("Enter");
    await info.getByText(/^2–2 of [0-9]+$/).waitFor();
    for (const id of firstPage) assert.equal(await row(paged, id!).count(), 0);
    await shootWidths(paged, shots, "11-second-page");
    await paged.getByRole("button", { name: "Newer" }).press("Enter");
    await info.getByText(/^1–1 of [0-9]+$/).waitFor();
    await row(paged, firstPage[0]!).waitFor();
    await paged.close();
  });

  let budgetId = "";
  await t.step("an export of the household's budget is shared with its members", async () => {
    budgetId = await requestExport(page, { source: "budget", format: "csv" });
    await waitForStatus(page, budgetId, "completed");

    const asBob = await signIn(browser, bob);
    const item = await waitForStatus(asBob, budgetId, "completed");
    await item.getByText("shared by a member").waitFor();
    const bytes = await downloadFrom(asBob, item);
    assert.equal(await sha256(bytes), (await stored(budgetId)).checksum_sha256);
    await shootWidths(asBob, shots, "12-household-member");
    await asBob.close();
  });

  await t.step("an outsider does not see the household's export", async () => {
    const asCarol = await signIn(browser, carol);
    await asCarol.locator("#list-message, #exports li").first().waitFor();
    assert.equal(await row(asCarol, budgetId).count(), 0, "carol sees no export of the household");
    await shootWidths(asCarol, shots, "13-outsider");
    await asCarol.close();
  });

  await t.step("an export written as parts downloads every part", async () => {
    // Parts of 64 KiB (some 280 kB of rows make five), for this export only.
    await withDb((sql) => sql`select exports.set_max_part_bytes(${numberedSource}, 65536)`);
    try {
      const splitId = await requestExport(page, {
        source: numberedSource,
        format: "csv",
        options: { Rows: "5000", Width: "40" },
      });
      await waitForStatus(page, splitId, "completed");
      const parts = await withDb((sql) =>
        sql<{ sha256: string }[]>`
          select sha256 from exports.export_parts where export_id = ${splitId} order by part`
      );
      assert.ok(parts.length > 1, `the export is split: ${parts.length} part(s)`);
      const downloads: Download[] = [];
      page.on("download", (download) => downloads.push(download));
      await row(page, splitId).getByRole("button", { name: /^Download / }).click();
      await until(() => Promise.resolve(downloads.length === parts.length));
      // Each part is a download of its own, finished in whatever order.
      const saved = await Promise.all(downloads.map(async (download) => ({
        number: download.suggestedFilename().match(/-part-([0-9]{3})\.csv$/)?.[1],
        sha256: await sha256(await Deno.readFile(await download.path())),
      })));
      saved.sort((a, b) => String(a.number).localeCompare(String(b.number)));
      assert.deepEqual(
        saved.map((file) => file.number),
        parts.map((_, index) => String(index + 1).padStart(3, "0")),
        "one download a part, named by its number",
      );
      assert.deepEqual(saved.map((file) => file.sha256), parts.map((part) => part.sha256));
    } finally {
      await withDb((sql) => sql`select exports.set_max_part_bytes(${numberedSource}, null)`);
    }
  });

  await t.step("signing out returns to the sign-in form", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
  });
  await page.close();
});
