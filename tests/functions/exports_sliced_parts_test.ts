// An export split into parts: each part of a CSV, JSON, JSONL and XLSX export
// opens on its own in an independent reader, and the parts together hold the
// source's rows exactly once, in order, each part within the part limit.
import assert from "node:assert/strict";
import { createTestUser } from "../support/users.ts";
import { csvRows, jsonlDocuments, text, xlsxRows } from "./_file_readers.ts";
import { requestExport, settled } from "./_exports_helpers.ts";
import {
  downloadParts,
  numberedSource,
  registerNumberedSource,
  sha256,
  withSliceBytes,
} from "./_sliced_exports.ts";

/** Rows enough for several parts of 64 KiB, the smallest part limit a request may ask for. */
const rowsOf: Record<string, number> = { csv: 6_000, json: 4_000, jsonl: 4_000, xlsx: 40_000 };

/** The numbers of the rows one part holds, read by a reader of its format. */
const readers: Record<string, (bytes: Uint8Array) => Promise<number[]>> = {
  csv: (bytes) => {
    const [header, ...records] = csvRows(bytes);
    assert.deepEqual(header, ["n", "label", "amount"], "each CSV part has its header");
    return Promise.resolve(records.map((record) => Number(record[0])));
  },
  json: (bytes) => {
    const documents = JSON.parse(text(bytes)) as { n: number }[];
    assert.ok(Array.isArray(documents), "each JSON part is one array");
    return Promise.resolve(documents.map((document) => document.n));
  },
  jsonl: (bytes) => {
    assert.ok(text(bytes).endsWith("\n"), "each JSONL part ends with a whole line");
    return Promise.resolve(jsonlDocuments(bytes).map((document) => document.n as number));
  },
  xlsx: async (bytes) => {
    const [header, ...records] = await xlsxRows(bytes);
    assert.deepEqual(header, ["n", "label", "amount"], "each workbook has its header row");
    return records.map((record) => Number(record[0]));
  },
};

for (const [format, read] of Object.entries(readers)) {
  Deno.test(`each part of a split ${format} export opens alone, and the parts hold every row once, in order`, async () => {
    await registerNumberedSource();
    const user = await createTestUser();
    const partLimit = 64 * 1024;
    const rows = rowsOf[format];
    const exportId = await withSliceBytes(64 * 1024, async () => {
      const exportId = await requestExport(user, {
        source: numberedSource,
        format,
        options: { rows, width: 30 },
        max_part_bytes: partLimit,
      });
      const done = await settled(user, exportId, 120_000);
      assert.equal(done.status, "completed", JSON.stringify(done));
      return exportId;
    });
    const parts = await downloadParts(user, exportId);
    assert.ok(parts.length >= 3, `the export is split: ${parts.length} parts`);
    const numbers: number[] = [];
    for (const [index, part] of parts.entries()) {
      assert.equal(part.part, index + 1, "parts are numbered from 1");
      assert.ok(part.bytes.length <= partLimit, `part ${part.part} is within the limit`);
      assert.equal(part.bytes.length, part.size, "a part's size is as listed");
      assert.equal(sha256(part.bytes), part.sha256, "a part's sha256 is as listed");
      const held = await read(part.bytes);
      assert.equal(held.length, part.rows, `part ${part.part} holds the rows listed`);
      assert.deepEqual([held[0], held.at(-1)], [part.first_row, part.last_row]);
      numbers.push(...held);
    }
    assert.deepEqual(numbers, Array.from({ length: rows }, (_, i) => i + 1));
  });
}
