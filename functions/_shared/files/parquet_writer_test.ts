// The Parquet writer read back with hyparquet: columns typed from their
// Postgres types, row groups streamed out as they fill, dates and times from
// Postgres's text to the microsecond.
import assert from "node:assert/strict";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import {
  parquetColumn,
  parquetFile,
  parquetRowGroupRows,
  postgresDateTime,
} from "./parquet_writer.ts";
import type { RowBatch } from "./xlsx_writer.ts";

async function* batchesOf(...batches: RowBatch[]): AsyncGenerator<RowBatch> {
  yield* batches;
}

const types = {
  bool: 16,
  int8: 20,
  int4: 23,
  text: 25,
  jsonb: 3802,
  date: 1082,
  timestamptz: 1184,
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
  const rows = Array.from({ length: parquetRowGroupRows + 10 }, (_, i) => ({
    id: String(i),
    at: i % 2 ? "2026-01-01 00:00:00.000001+00" : null,
    j: '{"a": [1, "two"]}',
    t: i === 3 ? 'quotes " and\nnew lines, 😀' : `row ${i}`,
  }));
  const chunks: Uint8Array[] = [];
  const stream = parquetFile(
    batchesOf(Object.assign(rows.slice(0, 500), { columns }), rows.slice(500)),
    { title: "test" },
  );
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
    t: 'quotes " and\nnew lines, 😀',
  });
  assert.equal(read[4].at, null);
});

Deno.test("a file of no rows still has its columns", async () => {
  const columns = [{ name: "id", type: types.int4 }];
  const bytes = await new Response(
    parquetFile(batchesOf(Object.assign([], { columns })), { title: "none" }),
  ).arrayBuffer();
  const metadata = parquetMetadata(bytes);
  assert.equal(Number(metadata.num_rows), 0);
  assert.deepEqual(metadata.schema.map((e) => e.name), ["root", "id"]);
});
