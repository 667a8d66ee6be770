import assert from "node:assert/strict";
import { RowLimitExceeded } from "../files/export_file.ts";
import { RowLargerThanPart } from "../files/slice_writer.ts";
import { failureFor, StorageFailure } from "./worker_failure.ts";

Deno.test("a Storage 5xx, 429 or no answer at all is storage_unavailable", () => {
  assert.deepEqual(
    [503, 429, 0].map((status) => failureFor(new StorageFailure(status, "busy")).code),
    ["storage_unavailable", "storage_unavailable", "storage_unavailable"],
  );
});

Deno.test("a file over the bucket's size limit is file_too_large, any other refusal storage_rejected", () => {
  assert.deepEqual(
    [
      failureFor(new StorageFailure(413, "too big")).code,
      failureFor(new StorageFailure(403, "")).code,
    ],
    ["file_too_large", "storage_rejected"],
  );
});

Deno.test("a source's error is told by its SQLSTATE class, and a timeout by its own", () => {
  assert.deepEqual(
    ["22012", "42501", "P0001", "57014"].map((code) => failureFor({ code, message: "x" }).code),
    ["source_data_error", "source_unavailable", "source_error", "export_timeout"],
  );
});

Deno.test("a connection error is a worker_error", () => {
  assert.deepEqual(
    failureFor(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })),
    { code: "worker_error" },
  );
});

Deno.test("rows past the row limit are too_many_rows, with the limit for the message", () => {
  assert.deepEqual(failureFor(new RowLimitExceeded(1_048_575)), {
    code: "too_many_rows",
    rowLimit: 1_048_575,
  });
});

Deno.test("a row that alone makes a part larger than the part limit is file_too_large", () => {
  assert.deepEqual(failureFor(new RowLargerThanPart(7, 1024)), { code: "file_too_large" });
});
