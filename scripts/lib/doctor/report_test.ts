import assert from "node:assert/strict";
import type { Finding } from "./finding.ts";
import { anythingWrong } from "./finding.ts";
import { formatReport, summaryLine } from "./report.ts";

const ok: Finding = { check: "rls", severity: "ok", message: "fine" };
const skip: Finding = { check: "pg_net", severity: "skip", message: "local" };
const fail: Finding = { check: "bucket", severity: "fail", message: "public", fix: "update …;" };
const warn: Finding = { check: "worker", severity: "warn", message: "overdue", fix: "look" };

Deno.test("report: only ok and skipped findings say nothing is wrong", () => {
  assert.equal(summaryLine([ok, skip]), "nothing is wrong (1 checks passed, 1 skipped)");
  assert.equal(anythingWrong([ok, skip]), false);
});

Deno.test("report: problems and warnings are counted and count as wrong", () => {
  assert.equal(
    summaryLine([ok, fail, warn, warn]),
    "1 problem, 2 warnings, 1 passed: run the fixes above",
  );
  assert.equal(anythingWrong([ok, warn]), true);
  assert.equal(anythingWrong([fail]), true);
});

Deno.test("report: each finding is a line, with its fix under it", () => {
  assert.equal(
    formatReport([ok, fail]),
    [
      "ok    rls     fine",
      "FAIL  bucket  public",
      "              fix: update …;",
      "",
      "1 problem, 0 warnings, 1 passed: run the fixes above",
    ].join("\n"),
  );
});
