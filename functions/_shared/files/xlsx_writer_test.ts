// The XLSX writer read back with exceljs (a real reader) and, for what exceljs
// does not interpret, through the sheet's own XML.
import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { columnLetters, type RowBatch, xlsxFile } from "./xlsx_writer.ts";

async function* batchesOf(...batches: RowBatch[]): AsyncGenerator<RowBatch> {
  yield* batches;
}

async function workbookBytes(batches: AsyncIterable<RowBatch>, sheetName = "rows") {
  return new Uint8Array(await new Response(xlsxFile(batches, { sheetName })).arrayBuffer());
}

async function sheetOf(bytes: Uint8Array) {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes.buffer as ArrayBuffer);
  return workbook.worksheets[0];
}

Deno.test("column letters run A to Z, then AA", () => {
  assert.deepEqual([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnLetters), [
    "A",
    "B",
    "Z",
    "AA",
    "AB",
    "AZ",
    "BA",
    "ZZ",
    "AAA",
  ]);
});

Deno.test("cells keep their types: numbers, booleans, dates, dates with times, text, empty", async () => {
  const rows = [
    {
      n: 1.5,
      b: true,
      day: new Date("2026-03-01T00:00:00Z"),
      at: new Date("2026-03-01T12:34:56Z"),
      text: "plain",
      nothing: null,
    },
    { n: -2e21, b: false, day: null, at: null, text: "", nothing: null },
  ];
  const sheet = await sheetOf(await workbookBytes(batchesOf(rows.slice(0, 1), rows.slice(1))));
  const values = (row: number) => (sheet.getRow(row).values as unknown[]).slice(1);
  assert.deepEqual(values(1), ["n", "b", "day", "at", "text", "nothing"]);
  assert.deepEqual(values(2), [1.5, true, rows[0].day, rows[0].at, "plain"]);
  assert.equal(sheet.getCell("C2").numFmt, "mm-dd-yy", "a date alone shows as a date (format 14)");
  assert.equal(sheet.getCell("D2").numFmt, "yyyy-mm-dd hh:mm:ss", "a time shows its time");
  // Empty text reads back as an empty cell, as Excel shows it.
  assert.deepEqual(values(3), [-2e21, false]);
});

Deno.test("numeric and bigint columns are numbers where a double holds them, else text", async () => {
  const rows = Object.assign([
    { amount: "-950.00", small: "0.000123", big: "12345", huge: "9223372036854775807" },
    { amount: "12345678901234567.5", small: "NaN", big: null, huge: "-1" },
  ], {
    columns: [
      { name: "amount", type: 1700 },
      { name: "small", type: 1700 },
      { name: "big", type: 20 },
      { name: "huge", type: 20 },
    ],
  });
  const sheet = await sheetOf(await workbookBytes(batchesOf(rows)));
  const values = (row: number) => (sheet.getRow(row).values as unknown[]).slice(1);
  assert.deepEqual(values(2), [-950, 0.000123, 12345, "9223372036854775807"]);
  assert.deepEqual(
    ["A3", "B3", "C3", "D3"].map((ref) => sheet.getCell(ref).value),
    ["12345678901234567.5", "NaN", null, -1],
  );
});

Deno.test("numbers past Excel's 15 significant digits stay text, even when short", async () => {
  // 16 and 17 characters: as short as values that need no digit count, yet
  // Excel would keep only 15 of their 16 significant digits.
  const tooPrecise = ["1234567890123456", "12345678901234.56"];
  // 15 significant digits, with a sign and a point: Excel holds them exactly.
  const exact = ["123456789012345", "-1234567890123.45"];
  const rows = Object.assign(
    [...tooPrecise, ...exact].map((value) => ({ amount: value })),
    { columns: [{ name: "amount", type: 1700 }] },
  );
  const sheet = await sheetOf(await workbookBytes(batchesOf(rows)));
  const cells = [2, 3, 4, 5].map((row) => sheet.getCell(`A${row}`).value);
  assert.deepEqual(cells, [...tooPrecise, ...exact.map(Number)]);
});

Deno.test("text columns stay text, even when they look like numbers", async () => {
  const rows = Object.assign([{ code: "007" }], { columns: [{ name: "code", type: 25 }] });
  const sheet = await sheetOf(await workbookBytes(batchesOf(rows)));
  assert.equal(sheet.getCell("A2").value, "007");
});

Deno.test("what a sheet cannot hold as a number or a date is written as text", async () => {
  const rows = [{ nan: NaN, old: new Date("1850-06-01T00:00:00Z"), infinite: new Date(NaN) }];
  const sheet = await sheetOf(await workbookBytes(batchesOf(rows)));
  assert.equal(sheet.getCell("A2").value, "NaN");
  assert.equal(sheet.getCell("B2").value, "1850-06-01T00:00:00.000Z");
  assert.equal(sheet.getCell("C2").value, "Invalid Date", "an invalid Date is never an empty cell");
});

Deno.test("dates given as Postgres text are dates where a sheet holds them, else that text", async () => {
  const texts = ["2026-03-01", "2026-03-01 12:00:00+02", "infinity", "4713-01-01 BC", "0099-01-01"];
  const rows = Object.assign(texts.map((at) => ({ at })), {
    columns: [{ name: "at", type: 1184 }],
  });
  const sheet = await sheetOf(await workbookBytes(batchesOf(rows)));
  const cells = [2, 3, 4, 5, 6].map((row) => sheet.getCell(`A${row}`).value);
  assert.deepEqual(cells, [
    new Date("2026-03-01T00:00:00Z"),
    new Date("2026-03-01T10:00:00Z"),
    "infinity",
    "4713-01-01 BC",
    "0099-01-01",
  ]);
});

Deno.test("a carriage return is written as a reference, which XML parsers keep", async () => {
  const sheet = await sheetOf(await workbookBytes(batchesOf([{ text: "a\rb\r\nc" }])));
  assert.equal(sheet.getCell("A2").value, "a\rb\r\nc");
});

Deno.test("markup, control characters and escape look-alikes are escaped in the XML", async () => {
  const text = "<b>a & b</b>\u0001\u001f tab\t _x0041_ end";
  const bytes = await workbookBytes(batchesOf([{ text }]));
  const xml = await (await JSZip.loadAsync(bytes)).file("xl/worksheets/sheet1.xml")!.async(
    "string",
  );
  assert.ok(
    xml.includes("&lt;b&gt;a &amp; b&lt;/b&gt;_x0001__x001F_ tab\t _x005F_x0041_ end"),
    xml,
  );
  assert.ok(!xml.includes("\u0001") && !xml.includes("\u001f"), "no raw control character is left");
});

Deno.test("text past Excel's cell limit is cut to it", async () => {
  const sheet = await sheetOf(await workbookBytes(batchesOf([{ long: "x".repeat(40_000) }])));
  assert.equal((sheet.getCell("A2").value as string).length, 32_767);
});

Deno.test("a source with no rows gives a valid, empty sheet with the given name", async () => {
  const sheet = await sheetOf(
    await workbookBytes(batchesOf(), "a/b:c? a name longer than 31 characters"),
  );
  assert.equal(sheet.name, "a_b_c_ a name longer than 31 ch");
  assert.equal(sheet.rowCount, 0);
});

Deno.test("a source that fails fails the file with its error", async () => {
  async function* failing(): AsyncGenerator<RowBatch> {
    yield [{ id: 1 }];
    throw new Error("the cursor went away");
  }
  await assert.rejects(workbookBytes(failing()), /the cursor went away/);
});

Deno.test("a source with no rows keeps its header when its columns are described", async () => {
  const described: RowBatch = Object.assign([], {
    columns: [{ name: "occurred_on", type: 1082 }, { name: "amount", type: 1700 }],
  });
  const sheet = await sheetOf(await workbookBytes(batchesOf(described)));
  assert.equal(sheet.rowCount, 1);
  assert.deepEqual((sheet.getRow(1).values as unknown[]).slice(1), ["occurred_on", "amount"]);
});
