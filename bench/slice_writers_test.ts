import assert from "node:assert/strict";
import { measureWriters } from "./slice_writers.ts";

Deno.test("the slice writers' bench measures every writer, and both sides write the same bytes", async () => {
  const figures = await measureWriters({
    rows: 2000,
    runs: 1,
    sliceRows: 700,
    partLimitBytes: 200_000,
  });
  assert.deepEqual(figures.map((figure) => figure.name), ["CSV", "gzip CSV", "JSON", "XLSX"]);
  const [csv, , json] = figures;
  // Uncompressed parts hold the one file's bytes, the CSV header once more a part.
  const header = "id,conversation_id,role,content,created_at\n".length;
  assert.equal(csv.slicedBytes, csv.oneShotBytes + (csv.parts - 1) * header);
  assert.ok(csv.parts > 1 && json.parts > 1, "the parts limit splits the files");
  for (const figure of figures) assert.ok(figure.slicedMicros > 0 && figure.oneShotMicros > 0);
});
