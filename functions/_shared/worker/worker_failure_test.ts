import assert from "node:assert/strict";
import { RowLimitExceeded } from "../files/export_file.ts";
import { failureFor, StorageFailure } from "./worker_failure.ts";

Deno.test("a Storage 5xx or no answer at all is retryable", () => {
  assert.equal(failureFor(new StorageFailure(503, "busy")).retryable, true);
  assert.equal(failureFor(new StorageFailure(0, "connection refused")).retryable, true);
});

Deno.test("a file over the bucket's size limit fails for good with a clear code", () => {
  assert.deepEqual(
    [
      failureFor(new StorageFailure(413, "too big")).code,
      failureFor(new StorageFailure(413, "")).retryable,
    ],
    ["file_too_large", false],
  );
});

Deno.test("a data error in the source fails for good without echoing Postgres", () => {
  const failure = failureFor({ code: "22012", message: "division by zero in exports.x()" });
  assert.deepEqual([failure.code, failure.retryable], ["source_data_error", false]);
  assert.ok(!failure.message.includes("division"));
});

Deno.test("a connection error is retryable", () => {
  assert.equal(
    failureFor(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })).retryable,
    true,
  );
});

Deno.test("rows past the row limit fail for good, saying the limit and what to do", () => {
  const failure = failureFor(new RowLimitExceeded(1_048_575));
  assert.deepEqual([failure.code, failure.retryable], ["too_many_rows", false]);
  assert.match(failure.message, /more than 1,048,575 rows.*narrow it down/);
});
