// The rules the Storage stand-in reads by, tested without HTTP: which byte ranges it serves and how
// it lists one level of a folder.
import assert from "node:assert/strict";
import { parseRange } from "../../local-stack/gateway/storage/object_response.ts";
import { type ListEntry, listLevel } from "../../local-stack/gateway/storage/object_list.ts";
import { StorageError } from "../../local-stack/gateway/storage/errors.ts";

Deno.test("ranges: the three forms, the end clamped to the object", () => {
  assert.deepEqual(parseRange("bytes=0-6", 1000), { from: 0, to: 6 });
  assert.deepEqual(parseRange("bytes=-5", 1000), { from: 995, to: 999 });
  assert.deepEqual(parseRange("bytes=100-", 1000), { from: 100, to: 999 });
  assert.deepEqual(parseRange("bytes=990-2000", 1000), { from: 990, to: 999 });
  assert.deepEqual(parseRange("bytes=-2000", 1000), { from: 0, to: 999 });
});

Deno.test("ranges: unsatisfiable or malformed ones are 416 InvalidRange", () => {
  for (const header of ["bytes=2000-3000", "bytes=5-1", "bytes=-", "bytes=0-1,5-6", "items=0-1"]) {
    assert.throws(() => parseRange(header, 1000), (error: unknown) => {
      assert.ok(error instanceof StorageError);
      assert.equal(error.code, "InvalidRange");
      assert.equal(error.status, 416);
      return true;
    }, header);
  }
  assert.throws(() => parseRange("bytes=0-0", 0), StorageError);
});

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const object = (name: string, minute: number): ListEntry => ({
  name,
  id: crypto.randomUUID(),
  updated_at: at(minute),
  created_at: at(minute),
  last_accessed_at: at(minute),
  metadata: {},
});

Deno.test("list: one level under the prefix, each deeper folder once", () => {
  const rows = [
    object("svc/list/b.csv", 2),
    object("svc/list/A.csv", 1),
    object("svc/list/sub/f.csv", 3),
    object("svc/list/sub/g.csv", 4),
  ];
  const names = (column: "name" | "created_at", ascending: boolean) =>
    listLevel(rows, "svc/list/", column, ascending).map((e) => e.name);
  assert.deepEqual(names("name", true), ["A.csv", "b.csv", "sub"]);
  assert.deepEqual(names("name", false), ["sub", "b.csv", "A.csv"]);
  // Another column: folders (which have no dates) first, then the objects by that column.
  assert.deepEqual(names("created_at", false), ["sub", "b.csv", "A.csv"]);
  const folder = listLevel(rows, "svc/list/", "name", true)[2];
  assert.deepEqual(folder, {
    name: "sub",
    id: null,
    updated_at: null,
    created_at: null,
    last_accessed_at: null,
    metadata: null,
  });
});
