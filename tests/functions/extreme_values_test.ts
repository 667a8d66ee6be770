// Extreme values, every format: a registered source whose rows hold dates and
// timestamps at and past JavaScript's range, infinities, BC dates, every
// control character, carriage returns, 100 KB of text, numbers at the limits
// of their types, json and nulls. Each file is written from the statement
// exports._build_statement gives, as the user, the way the worker writes it,
// read back with a reader of its own, and every value compared with what
// Postgres says it is, or with its nearest form as ARCHITECTURE.md documents
// it ("How values are written").
import assert from "node:assert/strict";
import { parse as parseCsv } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { marked } from "marked";
import { type DefaultTreeAdapterMap, parse as parseHtml } from "parse5";
import { extractText, getDocumentProxy } from "unpdf";
import { workerDb } from "../../functions/_shared/files/db_client.ts";
import { exportFile, type FileSpec } from "../../functions/_shared/files/export_file.ts";
import { stackEnv } from "../support/env.ts";
import { displayWidth } from "../../functions/_shared/files/txt_writer.ts";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";

const columns = ["id", "d", "ts", "tstz", "i8", "n", "f8", "f4", "b", "j", "t"];

// One control character (or noncharacter) a row, between two letters.
const oddCharacters = [
  ...Array.from({ length: 31 }, (_, i) => i + 1),
  ...Array.from({ length: 33 }, (_, i) => i + 0x7f),
  0xfdd0,
  0xfffe,
  0x10ffff,
];

// Each row sets some columns and leaves the others null.
const source = `
create schema extreme_values_test;
create function extreme_values_test.rows(options jsonb) returns table (
  id int, d date, ts timestamp, tstz timestamptz, i8 int8, n numeric, f8 float8, f4 real,
  b boolean, j jsonb, t text)
language sql stable security invoker
begin atomic
  select * from (values
    (1, '2026-03-01'::date, '2026-03-01 12:34:56.789'::timestamp,
     '2026-03-01 12:34:56.789+00'::timestamptz, 42::int8, 1.5::numeric, 1.25::float8,
     0.5::real, true, '{"a": 1}'::jsonb, 'plain'),
    (2, '275760-09-13', '275760-09-13 00:00:00', '275760-09-13 00:00:00+00', null, null, null,
     null, null, null, null),
    (3, '275760-09-14', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00', null,
     null, null, null, null, null, null),
    (4, '5874897-12-31', null, null, null, null, null, null, null, null, null),
    (5, 'infinity', 'infinity', 'infinity', null, null, null, null, null, null, null),
    (6, '-infinity', '-infinity', '-infinity', null, null, null, null, null, null, null),
    (7, '4713-01-01 BC', '4714-11-24 00:00:00 BC', '4714-11-24 00:00:00+00 BC', null, null, null,
     null, null, null, null),
    (8, '1900-03-01', '1900-02-28 23:59:59', '9999-12-31 23:59:59.999+00', null, null, null,
     null, null, null, null),
    (9, '10000-01-01', '0001-01-01 00:00:00', '1899-12-30 00:00:00+05:30', null, null, null,
     null, null, null, null),
    (10, null, '2026-03-01 00:00:00.000001', '2026-03-01 23:59:59.9995-08', 9223372036854775807,
     99999999999999999999999999999999999999.123456789, 1.7976931348623157e308, 3.4028235e38,
     false, null, null),
    (11, null, null, null, -9223372036854775808, -0.000000000000000000000000000001, 5e-324,
     1.4e-45, null, null, ''),
    (12, null, null, null, 123456789012345, 'NaN', 'NaN', 'NaN', null, null, null),
    (13, null, null, null, 1234567890123456, 'Infinity', 'Infinity', 'Infinity', null, null, null),
    (14, null, null, null, null, '-Infinity', '-Infinity', '-Infinity', null, null, null),
    (15, null, null, null, null, 0.1, '-0', '-0', null,
     '{"big": 12345678901234567890123, "s": "a\\u0001b\\r", "list": [1.5e300, null, true]}',
     E'a\\rb a\\r\\nb a\\nb'),
    (16, null, null, null, null, null, null, null, null, '"just a string"',
     '_x0041_ _x000D_ & <b> | * _ \` [x](y) ~~z~~ \\ "q" ''s'' &amp; &#1;'),
    (17, null, null, null, null, null, null, null, null, 'null', '  leading and trailing  '),
    (18, null, null, null, null, null, null, null, null, '[]', E'\\ttabs\\t'),
    (19, null, null, null, null, null, null, null, null, null,
     repeat('x', 32766) || '😀' || repeat('y', 70000)),
    (20, null, null, null, null, null, null, null, null, null, null)
  ) as v
  union all
  select 100 + n, null, null, null, null, null, null, null, null, null, 'a' || chr(c) || 'b'
  from unnest('{${oddCharacters.join(",")}}'::int[]) with ordinality as o(c, n)
  order by 1;
end;
grant usage on schema extreme_values_test to authenticated;
grant execute on function extreme_values_test.rows(jsonb) to authenticated;
select exports.register_source(name => 'extreme_values', rows_function => 'extreme_values_test.rows(jsonb)',
  formats => array['csv', 'json', 'jsonl', 'markdown', 'html', 'xlsx', 'pdf', 'txt', 'parquet']);`;

/** What Postgres says each value is, a row of each. */
interface Truth {
  /** Each value's text (its type's output function, as COPY writes it), null for SQL null. */
  text: (string | null)[];
  /** Each value's JSON (`to_json(value)::text`), null for SQL null. */
  json: (string | null)[];
  /** Each date column's milliseconds since 1970 in UTC where a sheet holds it as a date. */
  sheetDates: Record<string, number | null>;
  /** d's days and ts's and tstz's microseconds since 1970 (UTC), as text; null for the infinities. */
  epochs: Record<string, string | null>;
}

interface Written {
  bytes: Uint8Array;
  truth: Truth[];
}

const rollback = new Error("roll back");

/** Registers the source, writes it as `format` as a user, and reads the truth, then rolls back. */
async function write(format: FileSpec["format"]): Promise<Written> {
  const { sql, resumeReads } = workerDb(stackEnv().databaseUrl, { max: 1 });
  let written: Written | undefined;
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(source).simple();
      const [{ statement, statement_kind, row_limit }] = await tx.unsafe(
        `select b.* from exports.sources s, exports._build_statement(s, $1, '{}') b
         where s.name = 'extreme_values'`,
        [format],
      );
      // Arrays as JSON: postgres.js reads a text[] element that is null as "NULL".
      const list = (render: (column: string) => string) =>
        `to_json(array[${columns.map(render).join(", ")}])::text`;
      const truth = await tx.unsafe(`
        select ${list((c) => `case when ${c} is not null then format('%s', ${c}) end`)} as text, ${
        list((c) => `to_json(${c})::text`)
      } as json,
          jsonb_build_object(
            'd', case when d >= '1900-03-01' and d < '10000-01-01'
                      then round(extract(epoch from d) * 1000) end,
            'ts', case when ts >= '1900-03-01' and ts < '10000-01-01'
                       then round(extract(epoch from ts) * 1000) end,
            'tstz', case when tstz at time zone 'UTC' >= '1900-03-01'
                          and tstz at time zone 'UTC' < '10000-01-01'
                         then round(extract(epoch from tstz) * 1000) end) as sheet_dates,
          jsonb_build_object(
            'd', case when isfinite(d) then (d - date '1970-01-01')::text end,
            'ts', case when isfinite(ts) then (extract(epoch from ts) * 1000000)::numeric(30)::text end,
            'tstz', case when isfinite(tstz) then (extract(epoch from tstz) * 1000000)::numeric(30)::text end)
            as epochs
        from extreme_values_test.rows('{}') order by id`);
      await tx.unsafe(`select set_config('role', 'authenticated', true),
        set_config('request.jwt.claims', '{"sub": "${crypto.randomUUID()}", "role": "authenticated"}', true)`);
      const file = await exportFile(tx, {
        source: "extreme_values",
        format,
        compression: "none",
        statement,
        statement_kind,
        row_limit,
      }, {
        afterCopy: resumeReads,
        reportFonts: new URL("../../functions/exports-worker/fonts/", import.meta.url),
      });
      written = {
        bytes: await new Response(file.body).bytes(),
        truth: truth.map((row) => ({
          text: JSON.parse(row.text),
          json: JSON.parse(row.json),
          sheetDates: row.sheet_dates,
          epochs: row.epochs,
        })),
      };
      throw rollback;
    }).catch((error) => {
      if (error !== rollback) throw error;
    });
  } finally {
    await sql.end();
  }
  return written!;
}

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Parses JSON keeping every number as its source text, so no digit is lost to a double. */
function parseExactJson(text: string): unknown {
  return JSON.parse(
    text,
    // deno-lint-ignore no-explicit-any -- the reviver's context is not in TypeScript's lib yet
    (_key, value, context?: any) => typeof value === "number" ? `#${context.source}` : value,
  );
}

/** Line breaks as HTML and Markdown tables write them: each a <br>, read back as a line feed. */
const asBreaks = (text: string) => text.replace(/\r\n|\r/g, "\n");

/** The text of each cell of each row of the first table in `html`, <br> read as a line feed. */
function tableCells(html: string): string[][] {
  type Node = DefaultTreeAdapterMap["node"];
  const textOf = (node: Node): string => {
    if (node.nodeName === "#text") return (node as DefaultTreeAdapterMap["textNode"]).value;
    if (node.nodeName === "br") return "\n";
    return "childNodes" in node ? node.childNodes.map(textOf).join("") : "";
  };
  const rows: string[][] = [];
  const visit = (node: Node) => {
    if (node.nodeName === "tr") {
      rows.push(
        (node as DefaultTreeAdapterMap["element"]).childNodes
          .filter((cell) => cell.nodeName === "td" || cell.nodeName === "th")
          .map(textOf),
      );
      return;
    }
    if ("childNodes" in node) node.childNodes.forEach(visit);
  };
  visit(parseHtml(html));
  return rows;
}

/**
 * A cell's text as Markdown and HTML tables show it: the value's JSON text
 * form; a json null, like SQL null, as nothing (row_to_json writes both as null).
 */
function jsonText(json: string | null): string {
  if (json === null) return "";
  const value = JSON.parse(json);
  if (value === null) return "";
  return typeof value === "string" ? value : json;
}

/** What HTML writes for a character the standard forbids (ARCHITECTURE.md). */
function htmlForm(text: string): string {
  return [...text].map((char) => {
    const code = char.codePointAt(0)!;
    if ((code >= 1 && code <= 8) || code === 0x0b || (code >= 0x0e && code <= 0x1f)) {
      return String.fromCodePoint(0x2400 + code);
    }
    if (code === 0x7f) return "\u2421";
    if (
      (code >= 0x80 && code <= 0x9f) || (code >= 0xfdd0 && code <= 0xfdef) ||
      (code & 0xfffe) === 0xfffe
    ) return "\ufffd";
    return char;
  }).join("");
}

Deno.test("extreme values: csv holds every value as Postgres writes it", async () => {
  const { bytes, truth } = await write("csv");
  const records: string[][] = parseCsv(decode(bytes), { relaxQuotes: false });
  assert.deepEqual(records[0], columns);
  assert.equal(records.length - 1, truth.length);
  truth.forEach((row, index) =>
    assert.deepEqual(records[index + 1], row.text.map((value) => value ?? ""), `row ${index + 1}`)
  );
});

for (const format of ["json", "jsonl"] as const) {
  Deno.test(`extreme values: ${format} holds every value as Postgres's JSON of it, every digit`, async () => {
    const { bytes, truth } = await write(format);
    const text = decode(bytes);
    const documents = format === "json"
      ? parseExactJson(text) as unknown[]
      : text.trimEnd().split("\n").map(parseExactJson);
    assert.equal(documents.length, truth.length);
    truth.forEach((row, index) => {
      const expected = Object.fromEntries(
        columns.map((
          column,
          c,
        ) => [column, row.json[c] === null ? null : parseExactJson(row.json[c]!)]),
      );
      assert.deepEqual(documents[index], expected, `row ${index + 1}`);
    });
  });
}

Deno.test("extreme values: markdown, read by a Markdown parser, shows every value as its text", async () => {
  const { bytes, truth } = await write("markdown");
  const cells = tableCells(await marked.parse(decode(bytes), { gfm: true }));
  assert.deepEqual(cells[0], columns);
  assert.equal(cells.length - 1, truth.length);
  truth.forEach((row, index) =>
    assert.deepEqual(
      cells[index + 1],
      row.json.map((json) => asBreaks(jsonText(json))),
      `row ${index + 1}`,
    )
  );
});

Deno.test("extreme values: html parses without an error and shows every value or its nearest form", async () => {
  const { bytes, truth } = await write("html");
  const html = decode(bytes);
  const errors: string[] = [];
  parseHtml(html, {
    onParseError: (error) => errors.push(`${error.code} at ${error.startOffset}`),
  });
  assert.deepEqual(errors, [], "the HTML standard finds no parse error");
  const cells = tableCells(html);
  assert.deepEqual(cells[0], columns);
  assert.equal(cells.length - 1, truth.length);
  truth.forEach((row, index) =>
    assert.deepEqual(
      cells[index + 1],
      row.json.map((json) => htmlForm(asBreaks(jsonText(json)))),
      `row ${index + 1}`,
    )
  );
});

/** What XLSX holds for a value (ARCHITECTURE.md), as exceljs reads it. */
function sheetForm(column: string, text: string | null, row: Truth): unknown {
  if (text === null || text === "") return null;
  switch (column) {
    case "id":
      return Number(text);
    case "b":
      return text === "t";
    case "d":
    case "ts":
    case "tstz":
      return row.sheetDates[column] === null ? text : new Date(row.sheetDates[column]!);
    case "i8":
    case "n": {
      const digits = text.replace(/^-?0*|\./g, "").replace(/^0+/, "").length;
      return Number.isFinite(Number(text)) && digits <= 15 ? Number(text) : text;
    }
    case "f8":
    case "f4":
      return Number.isFinite(Number(text)) ? Number(text) : text;
    case "t": {
      const cut = text.slice(0, 32_767);
      return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
    }
    default:
      return text;
  }
}

Deno.test("extreme values: xlsx, read by exceljs, holds every value or its nearest form", async () => {
  const { bytes, truth } = await write("xlsx");
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes.buffer as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  // exceljs reads an inline string's XML but not the _xHHHH_ escapes of
  // ECMA-376's ST_Xstring, which Excel reads: they are read here as Excel does.
  const unescape = (value: unknown) =>
    typeof value === "string"
      ? value.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)))
      : value;
  const values = (rowNumber: number) =>
    columns.map((_, c) => unescape(sheet.getRow(rowNumber).getCell(c + 1).value));
  assert.deepEqual(values(1), columns);
  assert.equal(sheet.rowCount - 1, truth.length);
  truth.forEach((row, index) =>
    assert.deepEqual(
      values(index + 2),
      columns.map((column, c) => sheetForm(column, row.text[c], row)),
      `row ${index + 1}`,
    )
  );
});

/** What a PDF prints for a value (ARCHITECTURE.md), whitespace aside. */
function printedForm(column: string, text: string): string {
  const value = column === "b" ? String(text === "t") : text;
  return [...value].map((char) => {
    const code = char.codePointAt(0)!;
    if (char === "\t" || char === "\r") return " ";
    if (char === "\n" || (code >= 0x20 && code < 0x7f)) return char;
    return "?";
  }).join("").replace(/\s+/g, "");
}

Deno.test("extreme values: pdf, read by a PDF reader, prints every short value or its nearest form", async () => {
  const { bytes, truth } = await write("pdf");
  const { text } = await extractText(await getDocumentProxy(bytes.slice()), { mergePages: true });
  const printed = text.replace(/\s+/g, "");
  const shown = truth.flatMap((row) =>
    columns.map((column, c) => row.text[c] === null ? "" : printedForm(column, row.text[c]!))
      .filter((form) => form.length > 0 && form.length <= 40)
  );
  assert.ok(shown.length > 100, "most values are short enough to print whole");
  for (const form of shown) assert.ok(printed.includes(form), `the PDF prints ${form}`);
  assert.ok(printed.includes("x".repeat(100)), "the 100 KB text prints its beginning");
});

/**
 * What a txt table shows for a value (ARCHITECTURE.md): its text, booleans as
 * true and false, controls as their pictures (C1 as U+FFFD), each line break
 * a new line of the cell, a line's trailing spaces lost in its padding.
 */
function txtForm(column: string, text: string | null): string {
  if (text === null) return "";
  const value = column === "b" ? String(text === "t") : text;
  return value.replace(
    // deno-lint-ignore no-control-regex -- matching control characters is the point
    /[\u0000-\u0009\u000B\u000C\u000E-\u001F]/g,
    (c) => String.fromCharCode(0x2400 + c.charCodeAt(0)),
  ).replace(/\u007F/g, "\u2421").replace(/[\u0080-\u009F]/g, "\uFFFD")
    .split(/\r\n|\r|\n/).map((line) => line.trimEnd()).join("\n");
}

/**
 * The cells of a txt file's first table, its header first: columns are cut
 * at the rule's `+`, counted in terminal columns (the layout's own widths); a
 * cell goes on in the next line after a `+` mark (a line break) or a `.` mark
 * (a wrap), and a row ends at a line where no cell goes on.
 */
function txtTableCells(text: string, numeric: Set<number>): string[][] {
  const lines = text.split("\n");
  const ruleAt = lines.findIndex((line) => /^-+(\+-+)*$/.test(line));
  const starts: number[] = [];
  let at = 0;
  for (const segment of lines[ruleAt].split("+")) {
    starts.push(at);
    at += segment.length + 1;
  }
  const widths = lines[ruleAt].split("+").map((segment) => segment.length - 2);
  // One slot a terminal column: a wide character fills its first and leaves the second empty.
  const slots = (line: string) =>
    [...line].flatMap((char) => displayWidth(char) === 2 ? [char, ""] : [char]);
  const rowsFrom = (from: number, to: number) => {
    const rows: string[][] = [];
    let cells: string[] | undefined;
    for (const line of lines.slice(from, to)) {
      const s = slots(line);
      const row = cells ??= widths.map(() => "");
      let goesOn = false;
      widths.forEach((width, c) => {
        const begin = starts[c] + 1;
        const part = s.slice(begin, begin + width).join("");
        const mark = s[begin + width] ?? " ";
        // A wrapped line is the value's own, spaces and all; the last line of
        // a cell is padded, on the left for a number.
        row[c] += mark === "."
          ? part
          : part.replace(/ +$/, "").replace(/^ +/, numeric.has(c) ? "" : "$&");
        if (mark === "+") row[c] += "\n";
        if (mark === "+" || mark === ".") goesOn = true;
      });
      if (!goesOn) {
        rows.push(row);
        cells = undefined;
      }
    }
    return rows;
  };
  const end = lines.indexOf("", ruleAt);
  return [...rowsFrom(2, ruleAt), ...rowsFrom(ruleAt + 1, end)];
}

Deno.test("extreme values: txt, cut at its rule into cells, shows every value or its nearest form", async () => {
  const { bytes, truth } = await write("txt");
  const numeric = new Set(["id", "i8", "n", "f8", "f4"].map((column) => columns.indexOf(column)));
  const cells = txtTableCells(decode(bytes), numeric);
  assert.deepEqual(cells[0], columns);
  assert.equal(cells.length - 1, truth.length);
  truth.forEach((row, index) =>
    assert.deepEqual(
      cells[index + 1],
      columns.map((column, c) => txtForm(column, row.text[c])),
      `row ${index + 1}`,
    )
  );
  assert.ok(
    decode(bytes).trimEnd().endsWith(`(${truth.length} rows)`),
    "it ends with its count of rows",
  );
});

/** What Parquet holds for a value (ARCHITECTURE.md), as hyparquet reads it with raw dates. */
function parquetForm(column: string, text: string | null, row: Truth): unknown {
  if (text === null) return null;
  switch (column) {
    case "id":
      return Number(text);
    case "b":
      return text === "t";
    case "i8":
      return BigInt(text);
    case "n":
    case "f8":
      return Number(text);
    case "f4":
      return Math.fround(Number(text));
    case "d":
      return row.epochs.d === null ? null : Number(row.epochs.d);
    case "ts":
    case "tstz": {
      // Postgres counts from 2000, Parquet from 1970: its last 30 years are past an int64.
      const micros = row.epochs[column] === null ? null : BigInt(row.epochs[column]!);
      return micros === null || micros > 9223372036854775807n ? null : micros;
    }
    default:
      return text;
  }
}

Deno.test("extreme values: parquet, read by hyparquet, holds every value typed, or its nearest form", async () => {
  const { bytes, truth } = await write("parquet");
  const file = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  ) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  assert.deepEqual(
    parquetSchema(metadata).children.map(({ element }) => [element.name, element.type]),
    [
      ["id", "INT32"],
      ["d", "INT32"],
      ["ts", "INT64"],
      ["tstz", "INT64"],
      ["i8", "INT64"],
      ["n", "DOUBLE"],
      ["f8", "DOUBLE"],
      ["f4", "FLOAT"],
      ["b", "BOOLEAN"],
      ["j", "BYTE_ARRAY"],
      ["t", "BYTE_ARRAY"],
    ],
    "each column has the physical type of its Postgres type",
  );
  const rows = await parquetReadObjects({
    file,
    metadata,
    utf8: true,
    // Raw days and microseconds: a JavaScript Date holds neither all of them nor microseconds.
    parsers: {
      dateFromDays: (days: number) => days as unknown as Date,
      timestampFromMicroseconds: (micros: bigint) => micros as unknown as Date,
    },
  });
  assert.equal(rows.length, truth.length);
  truth.forEach((row, index) =>
    assert.deepEqual(
      columns.map((column) => rows[index][column] ?? null),
      columns.map((column, c) => parquetForm(column, row.text[c], row)),
      `row ${index + 1}`,
    )
  );
});
