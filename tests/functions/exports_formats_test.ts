// Every format of both sample sources, requested through the exports API,
// built by the worker, downloaded through the signed link and read back with
// a real parser: the file holds exactly the rows its user may see.
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { parse as parseCsv } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { extractText, getDocumentProxy } from "unpdf";
import { printableText } from "../../functions/_shared/files/pdf_writer.ts";
import { reportFonts } from "../../functions/_shared/files/report_fonts.ts";
import { createTestUser, type TestUser } from "../support/users.ts";
import {
  exportedBytes,
  seedConversations,
  type SeededConversation,
  type SeededLine,
  seedHousehold,
} from "./_exports_helpers.ts";

const conversations: SeededConversation[] = [
  {
    title: 'Refunds, returns and "quotes"',
    contents: ['quotes " and, commas', "new\nlines\r\nand\ttabs \\ back"],
  },
  { title: "Unicode", contents: ["emoji 😀 東京", "| a | pipe | row |", "<b>tags</b> & more"] },
];
const strangersText = "a stranger's message that no one else may export";

const lines: SeededLine[] = [
  {
    occurredOn: "2026-01-03",
    category: "Groceries",
    description: 'milk, "oat", 2 l',
    amount: "-3.49",
  },
  { occurredOn: "2026-01-15", category: "Rent", description: "flat — January", amount: "-950.00" },
  { occurredOn: "2026-02-01", category: "Café ☕", description: "line\nbreak", amount: "-4.20" },
];
const strangersLine: SeededLine = {
  occurredOn: "2026-01-10",
  category: "Secrets",
  description: "another household's line",
  amount: "-1.00",
};

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A user with the conversations above, next to a stranger with one of their own. */
async function conversationsOwner(): Promise<TestUser> {
  const user = await createTestUser();
  await seedConversations(user, conversations);
  await seedConversations(await createTestUser(), [{
    title: "not yours",
    contents: [strangersText],
  }]);
  return user;
}

/** A member of a household with the lines above, next to another household; and its id. */
async function budgetMember(): Promise<[TestUser, string]> {
  const user = await createTestUser();
  const household = await seedHousehold(user, [], lines);
  await seedHousehold(await createTestUser(), [], [strangersLine]);
  return [user, household];
}

/** The chat fine-tuning documents the seeded conversations should become. */
const expectedDocuments = conversations.map(({ contents }) => ({
  messages: contents.map((content, index) => ({
    role: index % 2 ? "assistant" : "user",
    content,
  })),
}));

Deno.test("a csv export of conversations holds one row a message, the user's only", async () => {
  const user = await conversationsOwner();
  const bytes = await exportedBytes(user, { source: "conversations", format: "csv" });
  const records: Record<string, string>[] = parseCsv(text(bytes), { columns: true });
  assert.deepEqual(
    records.map((record) => [record.conversation_title, record.role, record.content]),
    conversations.flatMap(({ title, contents }) =>
      contents.map((content, index) => [title, index % 2 ? "assistant" : "user", content])
    ),
  );
});

Deno.test("a json export of conversations is one array of chat documents", async () => {
  const user = await conversationsOwner();
  const bytes = await exportedBytes(user, { source: "conversations", format: "json" });
  assert.deepEqual(JSON.parse(text(bytes)), expectedDocuments);
});

Deno.test("a jsonl export of conversations is one chat document a line", async () => {
  const user = await conversationsOwner();
  const bytes = await exportedBytes(user, { source: "conversations", format: "jsonl" });
  const documents = text(bytes).trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(documents, expectedDocuments);
});

Deno.test("a markdown export of conversations is one transcript a conversation", async () => {
  const user = await conversationsOwner();
  const markdown = text(
    await exportedBytes(user, { source: "conversations", format: "markdown" }),
  );
  const transcripts = markdown.split(/^## /m).slice(1);
  assert.equal(transcripts.length, conversations.length, markdown);
  for (const [index, { contents }] of conversations.entries()) {
    let from = 0;
    for (const [position, content] of contents.entries()) {
      const block = `**${position % 2 ? "assistant" : "user"}:**\n\n${content}`;
      const at = transcripts[index].indexOf(block, from);
      assert.ok(at >= from, `transcript ${index} holds, in order: ${block}`);
      from = at + block.length;
    }
  }
  assert.ok(!markdown.includes(strangersText));
});

Deno.test("a txt export of conversations is one plain transcript a conversation, as written", async () => {
  const user = await conversationsOwner();
  const plain = text(await exportedBytes(user, { source: "conversations", format: "txt" }));
  const transcripts = plain.split(/\n\n(?=.*\n=+\n)/);
  assert.equal(transcripts.length, conversations.length, plain);
  for (const [index, { title, contents }] of conversations.entries()) {
    assert.ok(
      transcripts[index].startsWith(`${title}\n${"=".repeat(title.length)}\n`),
      `transcript ${index} starts with its title, unescaped and underlined`,
    );
    let from = 0;
    for (const [position, content] of contents.entries()) {
      const block = `${position % 2 ? "assistant" : "user"}:\n${content}`;
      const at = transcripts[index].indexOf(block, from);
      assert.ok(at >= from, `transcript ${index} holds, in order: ${block}`);
      from = at + block.length;
    }
  }
  assert.ok(!plain.includes(strangersText));
});

Deno.test("a gzip markdown export unzips to the same bytes as the plain one", async () => {
  const user = await conversationsOwner();
  const plain = await exportedBytes(user, { source: "conversations", format: "markdown" });
  const gzipped = await exportedBytes(user, {
    source: "conversations",
    format: "markdown",
    compression: "gzip",
  });
  assert.deepEqual(new Uint8Array(gunzipSync(gzipped)), plain);
});

Deno.test("a csv export of a budget holds the household's lines and no one else's", async () => {
  const [user, household] = await budgetMember();
  const bytes = await exportedBytes(user, { source: "budget", format: "csv", scope: household });
  const records: Record<string, string>[] = parseCsv(text(bytes), { columns: true });
  assert.deepEqual(
    records.map((r) => [r.occurred_on, r.category, r.kind, r.description, r.amount]),
    lines.map((l) => [l.occurredOn, l.category, "expense", l.description, l.amount]),
  );
});

Deno.test("an xlsx export of a budget reads back with exceljs as the household's lines", async () => {
  const [user, household] = await budgetMember();
  const bytes = await exportedBytes(user, { source: "budget", format: "xlsx", scope: household });
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes.buffer as ArrayBuffer);
  // The budget's report puts a summary first and the lines on a sheet of their own.
  const sheet = workbook.getWorksheet("Lines")!;
  const rows = sheet.getSheetValues().slice(1).map((row) => (row as unknown[]).slice(1));
  assert.deepEqual(rows[0], ["Date", "Category", "Kind", "Description", "Amount"]);
  assert.deepEqual(
    rows.slice(1),
    lines.map((l) => [
      new Date(`${l.occurredOn}T00:00:00Z`),
      l.category,
      "expense",
      l.description,
      Number(l.amount),
    ]),
  );
});

Deno.test("a pdf export of a budget shows the household's lines and no one else's", async () => {
  const [user, household] = await budgetMember();
  const bytes = await exportedBytes(user, { source: "budget", format: "pdf", scope: household });
  const { text: pdfText } = await extractText(await getDocumentProxy(bytes), { mergePages: true });
  const fonts = await reportFonts(
    new URL("../../functions/exports-worker/fonts/", import.meta.url),
  );
  for (const line of lines) {
    // The writer prints "?" for what the report's fonts cannot draw, and
    // amounts with the report's currency.
    const amount = `-€${line.amount.slice(1)}`;
    for (const value of [line.category, amount, line.description.split("\n")[0]]) {
      assert.ok(pdfText.includes(printableText(value, fonts)), `the PDF shows ${value}`);
    }
  }
  assert.ok(!pdfText.includes(strangersLine.description));
});
