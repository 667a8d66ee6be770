// The slice writer: rows written in slices, the state handed over through
// JSON, give the bytes of the same slices written without interruption; every
// part is a complete file an independent reader opens; no part passes the
// limit; the parts hold every row once, in order.
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { parse as parseCsv } from "csv-parse/sync";
import { createHash, randomBytes } from "node:crypto";
import { copyOutRows } from "./copy_out.ts";
import { workerDb } from "./db_client.ts";
import { joinBytes } from "./join_bytes.ts";
import {
  createSliceWriter,
  type PartRecord,
  RowLargerThanPart,
  type SliceSpec,
  type WriterState,
} from "./slice_writer.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A written export: each part's file, and its record. */
interface Parts {
  files: Uint8Array[];
  records: PartRecord[];
}

type Spec = Omit<SliceSpec, "state" | "firstPosition" | "firstPart">;

/**
 * Writes `rows` in slices of the given row counts, each slice a writer of its
 * own that starts from the state the one before ended with: through JSON, as
 * a checkpoint holds it, unless `viaJson` is false. Rows arrive in batches of
 * `batchRows`, as COPY batches them.
 */
async function writeSlices(
  spec: Spec,
  rows: Uint8Array[],
  sliceRows: number[],
  viaJson = true,
  batchRows = 3,
): Promise<Parts> {
  const files: Uint8Array[][] = [];
  const records: PartRecord[] = [];
  let state: WriterState | null = null;
  let at = 0;
  for (let index = 0; index < sliceRows.length; index++) {
    const writer = await createSliceWriter({
      ...spec,
      firstPart: 1,
      state: viaJson && state ? JSON.parse(JSON.stringify(state)) : state,
      firstPosition: at + 1,
    });
    const slice = rows.slice(at, at + sliceRows[index]);
    at += slice.length;
    const events = [];
    for (let from = 0; from < slice.length; from += batchRows) {
      events.push(...writer.write(slice.slice(from, from + batchRows)));
    }
    const end = writer.end(index === sliceRows.length - 1);
    events.push(...end.events);
    state = end.state;
    for (const event of events) {
      if (event.kind === "bytes") (files[event.part - 1] ??= []).push(event.bytes);
      else records.push(event.part);
    }
  }
  assert.equal(at, rows.length, "the slices cover every row");
  return { files: files.map((chunks) => joinBytes(chunks)), records };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** COPY text rows (escaped as COPY escapes) of the given chunks. */
function copyTextRows(chunks: string[]): Uint8Array[] {
  return chunks.map((chunk) =>
    encoder.encode(
      chunk.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll("\r", "\\r") + "\n",
    )
  );
}

const count = 200;
const documents = Array.from(
  { length: count },
  (_, i) => JSON.stringify({ id: i + 1, text: i % 7 === 0 ? `line\nbreak ${i}` : `row ${i}` }),
);
const csvRows = Array.from(
  { length: count },
  (_, i) => encoder.encode(`${i + 1},"value ${i}${i % 5 === 0 ? '\n""quoted""' : ""}"\n`),
);
const csvHeader = encoder.encode("id,value\n");

/** The text formats' inputs and how a part reads back as rows. */
const textCases = {
  csv: {
    header: csvHeader,
    rows: csvRows,
    read: (text: string) =>
      (parseCsv(text, { columns: true }) as { id: string }[]).map((r) => r.id),
    expected: Array.from({ length: count }, (_, i) => String(i + 1)),
  },
  json: {
    header: null,
    rows: copyTextRows(documents),
    read: (text: string) => JSON.parse(text).map((r: { id: number }) => r.id),
    expected: Array.from({ length: count }, (_, i) => i + 1),
  },
  jsonl: {
    header: null,
    rows: copyTextRows(documents),
    read: (text: string) => {
      assert.ok(text.endsWith("\n"), "a JSONL part ends with a whole line");
      return text.trimEnd().split("\n").map((line) => JSON.parse(line).id);
    },
    expected: Array.from({ length: count }, (_, i) => i + 1),
  },
  markdown: {
    header: copyTextRows(["| id |\n| --- |"])[0],
    rows: copyTextRows(Array.from({ length: count }, (_, i) => `| ${i + 1} |`)),
    read: (text: string) => {
      const lines = text.trimEnd().split("\n");
      assert.deepEqual(lines.slice(0, 2), ["| id |", "| --- |"], "each part has the header");
      return lines.slice(2).map((line) => Number(line.slice(2, -2)));
    },
    expected: Array.from({ length: count }, (_, i) => i + 1),
  },
  html: {
    header: copyTextRows(["<tr><th>id</th></tr>"])[0],
    rows: copyTextRows(Array.from({ length: count }, (_, i) => `<tr><td>${i + 1}</td></tr>`)),
    read: (text: string) => {
      assert.ok(text.startsWith("<!doctype html>") && text.endsWith("</html>\n"));
      assert.ok(text.includes("<table>\n<tr><th>id</th></tr>\n"), "each part has the header");
      return [...text.matchAll(/<td>(\d+)<\/td>/g)].map((match) => Number(match[1]));
    },
    expected: Array.from({ length: count }, (_, i) => i + 1),
  },
  txt: {
    header: null,
    rows: copyTextRows(Array.from({ length: count }, (_, i) => `block ${i + 1}\nsecond line`)),
    read: (text: string) =>
      text.trimEnd().split("\n\n").map((block) => Number(block.split("\n")[0].slice(6))),
    expected: Array.from({ length: count }, (_, i) => i + 1),
  },
} as const;

const sliceShapes = [[count], [1, count - 1], [37, 63, 50, 50], [count - 1, 1]];

for (const [format, input] of Object.entries(textCases)) {
  for (const compression of ["none", "gzip"] as const) {
    for (const partLimitBytes of [null, 900, 2500]) {
      const name = `${format} ${compression}, part limit ${partLimitBytes}`;
      const spec: Spec = {
        format: format as keyof typeof textCases,
        compression,
        title: "Messages <&>",
        partLimitBytes,
        header: input.header,
      };
      const rows = input.rows as unknown as Uint8Array[];

      Deno.test(`${name}: slices resumed from JSON state write the same bytes`, async () => {
        for (const shape of sliceShapes) {
          const first = await writeSlices(spec, rows, shape);
          // Handed over as it is, and in other batches: the same bytes.
          const again = await writeSlices(spec, rows, shape, false, 1);
          assert.deepEqual(again.records, first.records, `slices ${shape}`);
          assert.deepEqual(again.files.map(sha256), first.files.map(sha256));
          checkParts(first, input, partLimitBytes, compression);
        }
      });
    }
  }
}

/** Every part opens on its own, holds its rows, matches its record and fits the limit. */
function checkParts(
  parts: Parts,
  input: (typeof textCases)[keyof typeof textCases],
  limit: number | null,
  compression: "none" | "gzip",
) {
  assert.equal(parts.files.length, parts.records.length, "each part ends once");
  const ids: unknown[] = [];
  let nextPosition = 1;
  parts.files.forEach((file, index) => {
    const record = parts.records[index];
    assert.equal(record.part, index + 1);
    assert.equal(record.size, file.length, "the record has the part's size");
    assert.equal(record.sha256, sha256(file), "the record has the part's sha256");
    if (limit !== null) assert.ok(file.length <= limit, `part ${index + 1} fits the limit`);
    const text = decoder.decode(compression === "gzip" ? gunzipSync(file) : file);
    const partIds = input.read(text);
    assert.equal(record.first_position, nextPosition);
    assert.equal(record.row_count, partIds.length);
    assert.equal(record.last_position, nextPosition + partIds.length - 1);
    nextPosition += partIds.length;
    ids.push(...partIds);
  });
  assert.deepEqual(ids, input.expected, "the parts hold every row once, in order");
  if (limit === null) assert.equal(parts.files.length, 1);
}

Deno.test("slice boundaries do not change uncompressed bytes", async () => {
  for (const format of ["csv", "json", "html"] as const) {
    const input = textCases[format];
    const spec: Spec = {
      format,
      compression: "none",
      title: "t",
      partLimitBytes: 1500,
      header: input.header,
    };
    const rows = input.rows as unknown as Uint8Array[];
    const whole = await writeSlices(spec, rows, [count]);
    const sliced = await writeSlices(spec, rows, [13, 87, 100]);
    assert.deepEqual(sliced.files.map(sha256), whole.files.map(sha256), format);
    assert.ok(whole.files.length > 1, "the export is split");
  }
});

Deno.test("gzip slices decompress to the uncompressed parts' bytes", async () => {
  const input = textCases.json;
  const rows = input.rows as unknown as Uint8Array[];
  const spec: Spec = {
    format: "json",
    compression: "none",
    title: "t",
    partLimitBytes: null,
    header: null,
  };
  const plain = await writeSlices(spec, rows, [count]);
  const gzip = await writeSlices({ ...spec, compression: "gzip" }, rows, [50, 50, 100]);
  assert.deepEqual(gunzipSync(gzip.files[0]), Buffer.from(plain.files[0]));
  // The web platform's reader, and the gzip command, read the member too.
  const web = ReadableStream.from([gzip.files[0]]).pipeThrough(
    new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
  );
  assert.deepEqual(new Uint8Array(await new Response(web).arrayBuffer()), plain.files[0]);
  const command = new Deno.Command("gzip", { args: ["-dc"], stdin: "piped", stdout: "piped" })
    .spawn();
  const writer = command.stdin.getWriter();
  await writer.write(gzip.files[0]);
  await writer.close();
  const { success, stdout } = await command.output();
  assert.ok(success, "gzip -d reads the part");
  assert.deepEqual(stdout, plain.files[0]);
});

Deno.test("an export with no rows is one part with the header and framing", async () => {
  const csv = await writeSlices(
    {
      format: "csv",
      compression: "none",
      title: "t",
      partLimitBytes: 100,
      header: csvHeader,
    },
    [],
    [0],
  );
  assert.deepEqual(csv.files.map((file) => decoder.decode(file)), ["id,value\n"]);
  assert.deepEqual(csv.records[0].row_count, 0);
  const json = await writeSlices(
    { format: "json", compression: "gzip", title: "t", partLimitBytes: null, header: null },
    [],
    [0],
  );
  assert.deepEqual(JSON.parse(decoder.decode(gunzipSync(json.files[0]))), []);
});

Deno.test("a row too large for any part fails with its position", async () => {
  const rows = [encoder.encode("1,short\n"), encoder.encode(`2,${"x".repeat(200)}\n`)];
  await assert.rejects(
    writeSlices(
      { format: "csv", compression: "none", title: "t", partLimitBytes: 100, header: csvHeader },
      rows,
      [2],
    ),
    (error) => error instanceof RowLargerThanPart && error.position === 2,
  );
});

Deno.test("a part is as full as the limit allows", async () => {
  // 10-byte rows and a 9-byte header: 9 + 10 * 9 = 99 bytes fit in 100, a tenth row does not.
  const rows = Array.from({ length: 30 }, (_, i) => encoder.encode(`${String(i).padStart(8)},\n`));
  const parts = await writeSlices(
    { format: "csv", compression: "none", title: "t", partLimitBytes: 100, header: csvHeader },
    rows,
    [30],
  );
  assert.deepEqual(parts.records.map((record) => record.row_count), [9, 9, 9, 3]);
  assert.deepEqual(parts.records.map((record) => record.size), [99, 99, 99, 39]);
});

Deno.test("gzip parts are filled close to the limit", async () => {
  const rows = Array.from(
    { length: 5000 },
    (_, i) => encoder.encode(`${i},${crypto.randomUUID()}\n`),
  );
  const limit = 20_000;
  const parts = await writeSlices(
    { format: "csv", compression: "gzip", title: "t", partLimitBytes: limit, header: csvHeader },
    rows,
    [1000, 4000],
  );
  for (const record of parts.records.slice(0, -1)) {
    assert.ok(record.size <= limit && record.size > limit * 0.9, `part size ${record.size}`);
  }
});

Deno.test("COPY rows from Postgres, written in slices, make parts that hold every row", async () => {
  const db = workerDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 1 });
  try {
    const copyRows = (statement: string) =>
      db.sql.begin(async (tx) => {
        const copy = await copyOutRows(tx, statement, { afterCopy: db.resumeReads });
        return (await Array.fromAsync(copy.body)).flat();
      });
    const csv = await copyRows(
      `copy (select g as id, E'a "quoted"\\nline ' || g as note from generate_series(1, 3000) g)
         to stdout with (format csv)`,
    );
    const [header] = await copyRows(
      `copy (select 1 as id, '' as note limit 0) to stdout with (format csv, header)`,
    );
    const csvParts = await writeSlices(
      { format: "csv", compression: "gzip", title: "t", partLimitBytes: 4_000, header },
      csv,
      [1000, 1000, 1000],
    );
    const ids = csvParts.files.flatMap((file) =>
      (parseCsv(decoder.decode(gunzipSync(file)), { columns: true }) as { id: string }[])
        .map((row) => Number(row.id))
    );
    assert.deepEqual(ids, Array.from({ length: 3000 }, (_, i) => i + 1));
    assert.ok(csvParts.files.length > 1, "the export is split");

    const json = await copyRows(
      `copy (select row_to_json(t)::text from (select g as id, E'tab\\there' as note
         from generate_series(1, 3000) g) t) to stdout`,
    );
    const jsonParts = await writeSlices(
      { format: "json", compression: "none", title: "t", partLimitBytes: 30_000, header: null },
      json,
      [1500, 1500],
    );
    const documents = jsonParts.files.flatMap((file) => JSON.parse(decoder.decode(file)));
    assert.deepEqual(documents.map((document) => document.id), ids);
    assert.ok(documents.every((document) => document.note === "tab\there"));
  } finally {
    await db.sql.end();
  }
});

Deno.test("gzip parts of rows deflate cannot shrink stay under the limit", async () => {
  const rows = Array.from(
    { length: 3000 },
    (_, i) => encoder.encode(`${i},${randomBytes(60 + (i % 200)).toString("base64")}\n`),
  );
  const limit = 100_000;
  const parts = await writeSlices(
    { format: "csv", compression: "gzip", title: "t", partLimitBytes: limit, header: csvHeader },
    rows,
    [700, 1600, 700],
  );
  assert.ok(parts.files.length > 2);
  for (const [index, file] of parts.files.entries()) {
    assert.ok(file.length <= limit, `part ${index + 1}: ${file.length} bytes`);
    if (index < parts.files.length - 1) assert.ok(file.length > limit * 0.95);
  }
  const ids = parts.files.flatMap((file) =>
    (parseCsv(decoder.decode(gunzipSync(file)), { columns: true }) as { id: string }[])
      .map((row) => Number(row.id))
  );
  assert.deepEqual(ids, Array.from({ length: 3000 }, (_, i) => i));
});
