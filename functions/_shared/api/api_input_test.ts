import assert from "node:assert/strict";
import { createExportInput, fieldIssues, linkInput, listExportsInput } from "./api_input.ts";

Deno.test("createExportInput fills in the defaults", () => {
  assert.deepEqual(createExportInput.parse({ source: "conversations", format: "csv" }), {
    source: "conversations",
    format: "csv",
    options: {},
    compression: "none",
  });
});

Deno.test("createExportInput names the fields that are wrong", () => {
  const result = createExportInput.safeParse({ source: "", format: 42, extra: 1 });
  assert.equal(result.success, false);
  const paths = fieldIssues(result.error!).map((issue) => issue.path);
  assert.ok(paths.includes("source") && paths.includes("format"));
});

Deno.test("createExportInput leaves a format's name for the database to judge", () => {
  assert.equal(createExportInput.parse({ source: "conversations", format: "docx" }).format, "docx");
});

Deno.test("listExportsInput turns page_size from the query string into a number", () => {
  assert.equal(listExportsInput.parse({ page_size: "5" }).page_size, 5);
});

Deno.test("linkInput defaults to a one-minute link and refuses more than an hour", () => {
  assert.equal(linkInput.parse({}).expires_in, 60);
  assert.equal(linkInput.safeParse({ expires_in: 7200 }).success, false);
});
