// XLSX written in slices: each part a workbook exceljs opens, its sheets each
// with the header row, a new sheet past the sheet's row limit, no part past
// the part limit, and the same bytes whether the state went through JSON.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { pgTypes } from "./cell_value.ts";
import {
  createSliceWriter,
  type PartEvent,
  type PartRecord,
  type SliceSpec,
  type WriterState,
} from "./slice_writer.ts";
import type { RowBatch } from "./xlsx_writer.ts";

const columns = [{ name: "id", type: pgTypes.int8 }, { name: "note", type: 25 }];

/** Rows as textRows gives them: each value its text, the batch carrying its columns. */
function batchOf(from: number, to: number): RowBatch {
  const rows = [];
  for (let id = from; id <= to; id++) {
    rows.push({ id: String(id), note: id % 3 === 0 ? `größe & <${id}>` : `row ${id}` });
  }
  return Object.assign(rows, { columns });
}

type Spec = Omit<SliceSpec, "state" | "firstPosition" | "firstPart" | "format" | "header">;

/**
 * Writes rows 1..`count` in slices of the given sizes, in batches of
 * `batchRows`, the state handed over through JSON unless `viaJson` is false.
 */
async function writeSlices(
  spec: Spec,
  count: number,
  sliceRows: number[],
  viaJson = true,
  batchRows = 7,
) {
  const files: Uint8Array[][] = [];
  const records: PartRecord[] = [];
  let state: WriterState | null = null;
  let position = 1;
  for (let index = 0; index < sliceRows.length; index++) {
    const writer = await createSliceWriter({
      ...spec,
      format: "xlsx",
      header: null,
      firstPart: 1,
      firstPosition: position,
      state: viaJson && state ? JSON.parse(JSON.stringify(state)) : state,
    });
    const events = [];
    const last = position + sliceRows[index] - 1;
    for (let from = position; from <= last; from += batchRows) {
      events.push(...writer.write(batchOf(from, Math.min(from + batchRows - 1, last))));
    }
    position = last + 1;
    const end = writer.end(index === sliceRows.length - 1);
    events.push(...end.events);
    state = end.state;
    for (const event of events) {
      if (event.kind === "bytes") (files[event.part - 1] ??= []).push(event.bytes);
      else records.push(event.part);
    }
  }
  assert.equal(position, count + 1);
  return { files: files.map((chunks) => new Uint8Array(Buffer.concat(chunks))), records };
}

/** Each sheet of the workbook as its rows' values, the header first. */
async function sheetsOf(bytes: Uint8Array): Promise<{ name: string; rows: unknown[][] }[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes.buffer as ArrayBuffer);
  return workbook.worksheets.map((sheet) => {
    const rows: unknown[][] = [];
    sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    return { name: sheet.name, rows };
  });
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

for (const compression of ["none", "gzip"] as const) {
  for (const partLimitBytes of [null, 6000]) {
    Deno.test(`xlsx ${compression}, part limit ${partLimitBytes}: parts are workbooks with every row`, async () => {
      const count = 300;
      const spec: Spec = { compression, title: "Line items", partLimitBytes, sheetRows: 40 };
      for (const shape of [[300], [1, 150, 149], [299, 1]]) {
        const parts = await writeSlices(spec, count, shape);
        const again = await writeSlices(spec, count, shape, false, 500);
        assert.deepEqual(again.files.map(sha256), parts.files.map(sha256), `slices ${shape}`);
        const ids: unknown[] = [];
        let position = 1;
        for (const [index, file] of parts.files.entries()) {
          const record = parts.records[index];
          assert.equal(record.size, file.length);
          assert.equal(record.sha256, sha256(file));
          if (partLimitBytes) assert.ok(file.length <= partLimitBytes, `part ${index + 1} fits`);
          const sheets = await sheetsOf(compression === "gzip" ? gunzipSync(file) : file);
          assert.deepEqual(
            sheets.map((sheet) => sheet.name),
            sheets.map((_, n) => n === 0 ? "Line items" : `Line items (${n + 1})`),
          );
          const partIds = sheets.flatMap((sheet) => {
            assert.deepEqual(sheet.rows[0], ["id", "note"], "each sheet has the header row");
            assert.ok(sheet.rows.length - 1 <= 40, "a sheet holds at most its row limit");
            return sheet.rows.slice(1).map((row) => row[0]);
          });
          assert.equal(record.first_position, position);
          assert.equal(record.row_count, partIds.length);
          position += partIds.length;
          ids.push(...partIds);
        }
        assert.deepEqual(ids, Array.from({ length: count }, (_, i) => i + 1));
        if (partLimitBytes) assert.ok(parts.files.length > 1, "the export is split");
      }
    });
  }
}

Deno.test("xlsx cells keep their text and types across slices", async () => {
  const parts = await writeSlices(
    { compression: "none", title: "t", partLimitBytes: null },
    9,
    [4, 5],
  );
  const [sheet] = await sheetsOf(parts.files[0]);
  assert.deepEqual(sheet.rows[3], [3, "größe & <3>"]);
  assert.deepEqual(sheet.rows.length, 10);
});

Deno.test("an xlsx export with no rows is one workbook with the described header", async () => {
  const writer = await createSliceWriter({
    format: "xlsx",
    compression: "none",
    title: "t",
    partLimitBytes: null,
    header: null,
    firstPart: 1,
    firstPosition: 1,
    state: null,
  });
  const events = writer.write(Object.assign([], { columns }));
  events.push(...writer.end(true).events);
  const bytes = Buffer.concat(
    events.flatMap((event) => event.kind === "bytes" ? [event.bytes] : []),
  );
  const sheets = await sheetsOf(new Uint8Array(bytes));
  assert.deepEqual(sheets, [{ name: "t", rows: [["id", "note"]] }]);
});

Deno.test("a sheet holds Excel's 1,048,575 data rows; the next row opens a second sheet", async () => {
  const writer = await createSliceWriter({
    format: "xlsx",
    compression: "none",
    title: "t",
    partLimitBytes: null,
    header: null,
    firstPart: 1,
    firstPosition: 1,
    state: null,
  });
  const idColumn = [{ name: "id", type: pgTypes.int8 }];
  const chunks: Uint8Array[] = [];
  const take = (events: PartEvent[]) => {
    for (const event of events) if (event.kind === "bytes") chunks.push(event.bytes);
  };
  const total = 1_048_577;
  for (let from = 1; from <= total; from += 10_000) {
    const rows = [];
    for (let id = from; id < Math.min(from + 10_000, total + 1); id++) {
      rows.push({ id: String(id) });
    }
    take(writer.write(Object.assign(rows, { columns: idColumn })));
  }
  const end = writer.end(true);
  take(end.events);
  const zip = await JSZip.loadAsync(Buffer.concat(chunks));
  const workbook = await zip.file("xl/workbook.xml")!.async("string");
  assert.equal([...workbook.matchAll(/<sheet /g)].length, 2);
  const second = await zip.file("xl/worksheets/sheet2.xml")!.async("string");
  assert.deepEqual(
    [...second.matchAll(/<row r="(\d+)">.*?<\/row>/g)].map((match) => match[0]),
    [
      '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">id</t></is></c></row>',
      '<row r="2"><c r="A2"><v>1048576</v></c></row>',
      '<row r="3"><c r="A3"><v>1048577</v></c></row>',
    ],
  );
  const first = await zip.file("xl/worksheets/sheet1.xml")!.async("string");
  assert.ok(
    first.endsWith(
      '<row r="1048576"><c r="A1048576"><v>1048575</v></c></row></sheetData></worksheet>',
    ),
  );
});

Deno.test("xlsx parts of text deflate cannot shrink stay under the limit, and near it", async () => {
  const limit = 60_000;
  const chunks: Uint8Array[][] = [];
  const records: PartRecord[] = [];
  const writer = await createSliceWriter({
    format: "xlsx",
    compression: "none",
    title: "t",
    partLimitBytes: limit,
    header: null,
    firstPart: 1,
    firstPosition: 1,
    state: null,
  });
  const rows = Array.from(
    { length: 1500 },
    (_, i) => ({ id: String(i + 1), note: randomBytes(100).toString("base64") }),
  );
  const events = writer.write(Object.assign(rows, { columns }));
  events.push(...writer.end(true).events);
  for (const event of events) {
    if (event.kind === "bytes") (chunks[event.part - 1] ??= []).push(event.bytes);
    else records.push(event.part);
  }
  assert.ok(records.length > 2);
  const ids: unknown[] = [];
  for (const [index, record] of records.entries()) {
    assert.ok(record.size <= limit, `part ${index + 1}: ${record.size} bytes`);
    if (index < records.length - 1) assert.ok(record.size > limit * 0.85, `${record.size}`);
    const [sheet] = await sheetsOf(new Uint8Array(Buffer.concat(chunks[index])));
    ids.push(...sheet.rows.slice(1).map((row) => row[0]));
  }
  assert.deepEqual(ids, rows.map((_, i) => i + 1));
});
