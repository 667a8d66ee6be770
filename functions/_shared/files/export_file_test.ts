// Round trip: every format written from a real Postgres query of awkward
// values, parsed back with a real parser, compared with the source rows.
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { workerDb } from "./db_client.ts";
import { parse as parseCsv } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { extractText, getDocumentProxy } from "unpdf";
import { exportFile, type FileSpec, RowLimitExceeded } from "./export_file.ts";
import { xlsxMaxCellText } from "./cell_value.ts";
import { parquetReadObjects } from "hyparquet";

const longText = "long ".repeat(20_480);
const labels: (string | null)[] = [
  'say "hi", then leave',
  "line one\nline two\r\nline three",
  "tab\there \\ back\\slash \\N not null",
  "unicode: café, 東京, emoji 😀👍🏽",
  null,
  "",
  longText,
  "<b> & html</b> | pipe",
];
const docs = [{ nested: { quote: '"', list: [1, null, "x"] } }, null, "just a string", 42];

const sourceTable = `
  create temporary table tricky on commit drop as
  select id, label, (${"$$"}${JSON.stringify(docs)}${"$$"}::jsonb -> ((id - 1) % 4)::int) as doc,
         id * 1.5 as amount, id % 2 = 0 as even
  from unnest($1::text[]) with ordinality as source(label, id)`;

const statements: Record<FileSpec["format"], [FileSpec["statement_kind"], string]> = {
  csv: ["copy_csv", "copy (select * from tricky order by id) to stdout with (format csv, header)"],
  json: ["copy_text", "copy (select to_jsonb(t)::text from tricky t order by id) to stdout"],
  jsonl: ["copy_text", "copy (select to_jsonb(t)::text from tricky t order by id) to stdout"],
  markdown: [
    "copy_text",
    `copy (select line from (
       select 0 as id, '| id | label |' as line union all
       select 0, '| --- | --- |' union all
       select id, format('| %s | %s |', id,
         replace(replace(replace(coalesce(label, ''), '|', '\\|'), E'\\r', ''), E'\\n', '<br>'))
       from tricky) lines order by id) to stdout`,
  ],
  html: [
    "copy_text",
    `copy (select line from (
       select 0 as id, '<tr><th>id</th><th>label</th></tr>' as line union all
       select id, format('<tr><td>%s</td><td>%s</td></tr>', id,
         replace(replace(replace(coalesce(label, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'))
       from tricky) lines order by id) to stdout`,
  ],
  xlsx: ["cursor", "select * from tricky order by id"],
  pdf: ["cursor", "select * from tricky order by id"],
  txt: ["cursor", "select * from tricky order by id"],
  parquet: ["cursor", "select * from tricky order by id"],
};

interface Written {
  bytes: Uint8Array;
  rows: number;
}

async function write(
  format: FileSpec["format"],
  compression: "none" | "gzip" = "none",
  rowLimit: number | null = null,
  statementOf: (statement: string) => string = (statement) => statement,
): Promise<Written> {
  const { sql, resumeReads } = workerDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 1 });
  try {
    const [statement_kind, fullStatement] = statements[format];
    const statement = statementOf(fullStatement);
    return await sql.begin(async (tx) => {
      await tx.unsafe(sourceTable, [labels as string[]]);
      const spec = {
        source: "tricky",
        format,
        compression,
        statement,
        statement_kind,
        row_limit: rowLimit === null ? null : String(rowLimit),
      };
      const file = await exportFile(tx, spec, {
        afterCopy: resumeReads,
        reportFonts: new URL("../../exports-worker/fonts/", import.meta.url),
      });
      const bytes = await new Response(file.body).bytes();
      return { bytes, rows: file.rowsWritten() };
    }) as Written;
  } finally {
    await sql.end();
  }
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function expectedDoc(index: number): unknown {
  return docs[index % 4];
}

Deno.test("csv round-trips every value through a real CSV parser", async () => {
  const { bytes, rows } = await write("csv");
  const records: string[][] = parseCsv(text(bytes), { relaxQuotes: false });
  assert.deepEqual(records[0], ["id", "label", "doc", "amount", "even"]);
  assert.deepEqual(records.slice(1).map((record) => record[1]), labels.map((label) => label ?? ""));
  assert.deepEqual(
    records.slice(1).map((record) => record[2] === "" ? null : JSON.parse(record[2])),
    labels.map((_, index) => expectedDoc(index)),
  );
  assert.equal(rows, labels.length);
});

Deno.test("csv keeps null and the empty string apart, as COPY writes them", async () => {
  const csv = text((await write("csv")).bytes);
  assert.ok(csv.includes("\n5,,"), "null is an empty unquoted field");
  assert.ok(csv.includes('\n6,"",'), "the empty string is quoted");
});

Deno.test("json is one valid array holding every row with its jsonb intact", async () => {
  const { bytes, rows } = await write("json");
  const parsed = JSON.parse(text(bytes));
  assert.deepEqual(parsed.map((row: { label: string | null }) => row.label), labels);
  assert.deepEqual(
    parsed.map((row: { doc: unknown }) => row.doc),
    labels.map((_, i) => expectedDoc(i)),
  );
  assert.equal(rows, labels.length);
});

Deno.test("jsonl holds one parseable document per line", async () => {
  const lines = text((await write("jsonl")).bytes).split("\n");
  assert.equal(lines.pop(), "", "the file ends with a newline");
  assert.deepEqual(lines.map((line) => JSON.parse(line).label), labels);
});

Deno.test("jsonl keeps a json column written over several lines to one line a row", async () => {
  // What the statement builder writes for a source without a documents
  // function; row_to_json copies a `json` value as it was written.
  const { bytes, rows } = await write(
    "jsonl",
    "none",
    null,
    () =>
      `copy (select row_to_json(r)::text from (
       select label, jsonb_pretty(doc)::json as doc from tricky order by id) as r) to stdout`,
  );
  const lines = text(bytes).split("\n");
  assert.equal(lines.pop(), "", "the file ends with a newline");
  assert.deepEqual(
    lines.map((line) => JSON.parse(line)),
    labels.map((label, index) => ({
      label,
      doc: expectedDoc(index),
    })),
  );
  assert.equal(rows, labels.length);
});

Deno.test("markdown keeps one table line per row, whatever the values hold", async () => {
  const lines = text((await write("markdown")).bytes).trimEnd().split("\n");
  assert.equal(lines.length, 2 + labels.length);
  assert.ok(lines.every((line) => line.startsWith("| ") && line.endsWith(" |")));
  assert.ok(lines[5].includes("😀👍🏽"));
});

Deno.test("html cells read back, unescaped, as the source values", async () => {
  const html = text((await write("html")).bytes);
  const cells = [...html.matchAll(/<tr><td>\d+<\/td><td>([\s\S]*?)<\/td><\/tr>/g)].map((match) =>
    match[1].replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&")
  );
  assert.deepEqual(cells, labels.map((label) => label ?? ""));
});

Deno.test("gzip compresses a text format to the same bytes, uncompressed", async () => {
  const plain = await write("jsonl");
  const gzipped = await write("jsonl", "gzip");
  assert.deepEqual(new Uint8Array(gunzipSync(gzipped.bytes)), plain.bytes);
  assert.equal(gzipped.rows, plain.rows);
});

Deno.test("xlsx read back with exceljs matches the source rows", async () => {
  const { bytes, rows } = await write("xlsx");
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes.buffer as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  const values = (rowNumber: number) => (sheet.getRow(rowNumber).values as unknown[]).slice(1);
  assert.deepEqual(values(1), ["id", "label", "doc", "amount", "even"]);
  // Excel caps a cell's text; a carriage return survives as a reference.
  const expected = labels.map((label) =>
    label === null || label === "" ? undefined : label.slice(0, xlsxMaxCellText)
  );
  assert.deepEqual(labels.map((_, index) => values(index + 2)[1]), expected);
  assert.deepEqual(JSON.parse(values(2)[2] as string), docs[0]);
  assert.equal(values(3)[3], 3, "a numeric a double holds is a number the sheet can sum");
  assert.equal(values(3)[4], true);
  assert.equal(rows, labels.length);
});

Deno.test("xlsx of no rows still has its header row", async () => {
  const { bytes, rows } = await write(
    "xlsx",
    "none",
    null,
    (all) => all.replace("order by", "where false order by"),
  );
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes.buffer as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  assert.equal(rows, 0);
  assert.equal(sheet.rowCount, 1);
  assert.deepEqual((sheet.getRow(1).values as unknown[]).slice(1), [
    "id",
    "label",
    "doc",
    "amount",
    "even",
  ]);
});

Deno.test("pdf parses and its text holds the header and readable values", async () => {
  const { bytes, rows } = await write("pdf");
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  const { text: pages } = await extractText(pdf, { mergePages: true });
  for (const expected of ["tricky", "label", 'say "hi", then leave', "café"]) {
    assert.ok(pages.includes(expected), `the PDF shows ${expected}`);
  }
  assert.equal(rows, labels.length);
});

for (const format of ["csv", "jsonl", "xlsx"] as const) {
  Deno.test(`${format}: a source that returns more rows than the row limit fails the file`, async () => {
    await assert.rejects(write(format, "none", labels.length - 1), (error) => {
      assert.ok(error instanceof RowLimitExceeded);
      assert.equal(error.limit, labels.length - 1);
      return true;
    });
    assert.equal(
      (await write(format, "none", labels.length)).rows,
      labels.length,
      "exactly the limit is fine",
    );
  });
}

Deno.test("parquet read back with hyparquet holds every label and document, typed", async () => {
  const { bytes, rows } = await write("parquet");
  const read = await parquetReadObjects({ file: bytes.slice().buffer, utf8: true });
  assert.equal(rows, labels.length);
  assert.deepEqual(read.map((row) => row.label ?? null), labels);
  assert.deepEqual(
    read.map((row) =>
      row.doc === null || row.doc === undefined ? null : JSON.parse(row.doc as string)
    ),
    labels.map((_, index) => expectedDoc(index)),
  );
  assert.deepEqual(read.map((row) => row.amount), labels.map((_, index) => (index + 1) * 1.5));
  assert.deepEqual(read.map((row) => row.even), labels.map((_, index) => (index + 1) % 2 === 0));
});

Deno.test("txt shows a table of every row under its header, and the count", async () => {
  const { bytes, rows } = await write("txt");
  const file = text(bytes);
  assert.equal(rows, labels.length);
  assert.match(file, /^tricky\n\n id +\| label +\| doc +\| amount +\| even *\n/);
  assert.ok(file.includes("unicode: café, 東京, emoji 😀👍🏽"));
  assert.match(file, /\| line one +\+/, "a line break continues the cell, marked +");
  assert.ok(file.endsWith(`(${labels.length} rows)\n`));
});
