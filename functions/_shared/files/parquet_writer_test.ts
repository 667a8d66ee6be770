// The Parquet writer read back with hyparquet: columns typed from their
// Postgres types, COPY's text read across block boundaries, row groups
// streamed out as they fill, dates and times to the microsecond.
import assert from "node:assert/strict";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import {
  parquetColumn,
  parquetFile,
  parquetRowGroupRows,
  postgresDateTime,
} from "./parquet_writer.ts";

/** Escapes `text` as COPY's text format does. */
const escaped = (text: string) =>
  text.replaceAll("\\", "\\\\").replaceAll("\t", "\\t").replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r");

/** `rows` as COPY ... TO STDOUT writes them, in blocks of `blockBytes` cut anywhere. */
function copyOf(rows: (string | null)[][], blockBytes: number): ReadableStream<Uint8Array> {
  const text = rows.map((row) => row.map((v) => v === null ? "\\N" : escaped(v)).join("\t") + "\n")
    .join("");
  const bytes = new TextEncoder().encode(text);
  const blocks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += blockBytes) {
    blocks.push(bytes.subarray(at, at + blockBytes));
  }
  return ReadableStream.from(blocks);
}

const types = {
  bool: 16,
  int8: 20,
  int4: 23,
  text: 25,
  jsonb: 3802,
  date: 1082,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  bytea: 17,
};

Deno.test("Postgres dates and times become days and microseconds from 1970, UTC", () => {
  assert.deepEqual(postgresDateTime("1970-01-02"), { days: 1, microsOfDay: 0n });
  assert.deepEqual(postgresDateTime("2000-03-01 00:00:00.5+01"), {
    days: 11017,
    microsOfDay: -3_599_500_000n,
  });
  assert.equal(postgresDateTime("0001-01-01 BC")!.days, -719528, "year 0, astronomically");
  assert.equal(postgresDateTime("infinity"), null);
  assert.throws(() => postgresDateTime("yesterday"), /not a Postgres date/);
});

Deno.test("each column's Parquet type follows its Postgres type", () => {
  assert.equal(parquetColumn("b", types.bool).element.type, "BOOLEAN");
  assert.equal(parquetColumn("i", types.int8).element.type, "INT64");
  assert.equal(parquetColumn("d", types.date).element.converted_type, "DATE");
  assert.equal(parquetColumn("j", types.jsonb).element.logical_type?.type, "JSON");
  assert.equal(parquetColumn("t", types.text).element.converted_type, "UTF8");
  assert.equal(parquetColumn("x", 9999).element.converted_type, "UTF8", "others as their text");
});

Deno.test("rows come back typed, nulls as nulls, over several row groups", async () => {
  const columns = [
    { name: "id", type: types.int4 },
    { name: "at", type: types.timestamptz },
    { name: "j", type: types.jsonb },
    { name: "t", type: types.text },
  ];
  const rows = Array.from({ length: parquetRowGroupRows + 10 }, (_, i) => [
    String(i),
    i % 2 ? "2026-01-01 00:00:00.000001+00" : null,
    '{"a": [1, "two"]}',
    i === 3 ? 'quotes " and\nnew lines,\ttabs, \\ and 😀' : `row ${i}`,
  ]);
  const chunks: Uint8Array[] = [];
  // Blocks of 7 bytes cut rows, values and a character's UTF-8 bytes apart.
  const stream = parquetFile(copyOf(rows, 7), { columns, title: "test" });
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length >= 2, "the first row group left before the file ended");
  const bytes = await new Blob(chunks as BlobPart[]).arrayBuffer();
  const metadata = parquetMetadata(bytes);
  assert.equal(metadata.row_groups.length, 2);
  const read = await parquetReadObjects({ file: bytes, metadata, utf8: true });
  assert.equal(read.length, rows.length);
  assert.deepEqual(read[3], {
    id: 3,
    at: new Date("2026-01-01T00:00:00Z"),
    j: '{"a": [1, "two"]}',
    t: 'quotes " and\nnew lines,\ttabs, \\ and 😀',
  });
  assert.equal(read[4].at, null);
});

Deno.test("the common forms read from COPY's bytes equal Postgres's other forms", async () => {
  const columns = [
    { name: "at", type: types.timestamptz },
    { name: "n", type: types.numeric },
    { name: "i", type: types.int4 },
    { name: "b", type: types.bool },
    { name: "u", type: types.uuid },
    { name: "x", type: types.bytea },
  ];
  const rows = [
    [
      "1969-12-31 23:59:59.5-01",
      "-12.5",
      "-7",
      "t",
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      "\\x00ff",
    ],
    ["0044-03-15 12:00:00+00 BC", "Infinity", "2147483647", "f", null, "\\x"],
    ["infinity", "NaN", null, null, null, null],
    ["2001-02-03 04:05:06.789+05:30", "12345678901234567890", "0", "t", null, null],
    ["9999-12-31 23:59:59.999999+00", "0", "0", "t", null, null],
  ];
  const bytes = await new Response(parquetFile(copyOf(rows, 5), { columns, title: "forms" }))
    .arrayBuffer();
  const read = await parquetReadObjects({
    file: bytes,
    utf8: true,
    // Raw microseconds: a JavaScript Date holds none.
    parsers: { timestampFromMicroseconds: (micros: bigint) => micros as unknown as Date },
  });
  const micros = (text: string) => {
    const { days, microsOfDay } = postgresDateTime(text)!;
    return BigInt(days) * 86_400_000_000n + microsOfDay;
  };
  assert.deepEqual(read.map((row) => row.at), [
    micros("1969-12-31 23:59:59.5-01"),
    micros("0044-03-15 12:00:00+00 BC"),
    null,
    micros("2001-02-03 04:05:06.789+05:30"),
    micros("9999-12-31 23:59:59.999999+00"),
  ]);
  assert.deepEqual(read.map((row) => row.n), [-12.5, Infinity, NaN, 12345678901234567000, 0]);
  assert.deepEqual(read.map((row) => row.i), [-7, 2147483647, null, 0, 0]);
  assert.deepEqual(read.map((row) => row.b), [true, false, null, true, true]);
  assert.equal(read[0].u, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  const hex = await parquetReadObjects({ file: bytes, columns: ["x"], utf8: false });
  assert.deepEqual(hex.map((row) => row.x && [...row.x]), [[0, 255], [], null, null, null]);
});

Deno.test("a file of no rows still has its columns", async () => {
  const columns = [{ name: "id", type: types.int4 }];
  const bytes = await new Response(parquetFile(copyOf([], 7), { columns, title: "none" }))
    .arrayBuffer();
  const metadata = parquetMetadata(bytes);
  assert.equal(Number(metadata.num_rows), 0);
  assert.deepEqual(metadata.schema.map((e) => e.name), ["root", "id"]);
});
