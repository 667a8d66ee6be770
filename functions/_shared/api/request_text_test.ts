import assert from "node:assert/strict";
import { maxBodyBytes, maxDepth, queryIssues, readJsonBody, textIssues } from "./request_text.ts";

function post(body: string, headers: Record<string, string> = {}): Request {
  return new Request("http://localhost/exports", { method: "POST", body, headers });
}

Deno.test("a NUL or a lone surrogate anywhere is an issue naming its field", () => {
  const issues = textIssues({ source: "\ud800", options: { tag: "a\0b", ["k\0"]: 1 } });
  assert.deepEqual(issues.map((issue) => issue.path).sort(), [
    "options.k\0",
    "options.tag",
    "source",
  ]);
  assert.deepEqual(textIssues({ source: "😀 conversations", options: { tag: "é" } }), []);
});

Deno.test("nesting deeper than the limit is an issue, found without recursion", () => {
  const deep = JSON.parse("[".repeat(100_000) + "]".repeat(100_000));
  const [issue] = textIssues({ options: { x: deep } });
  assert.match(issue.message, new RegExp(`deeper than ${maxDepth}`));
  assert.ok(issue.path.startsWith("options.x.0"));
});

Deno.test("a body is read as JSON, empty as {}, and refused when too large or not JSON", async () => {
  assert.deepEqual(await readJsonBody(post("")), { ok: true, value: {} });
  assert.deepEqual(await readJsonBody(post('{"a":1}')), { ok: true, value: { a: 1 } });
  assert.deepEqual(await readJsonBody(post("{")), { ok: false, reason: "not_json" });
  assert.deepEqual(await readJsonBody(post("x".repeat(maxBodyBytes + 1))), {
    ok: false,
    reason: "too_large",
  });
  const reading = await readJsonBody(post('{"source":"\\u0000"}'));
  assert.equal(reading.ok === false && reading.reason, "invalid");
});

Deno.test("a query parameter with a NUL is an issue", () => {
  assert.deepEqual(queryIssues(new URLSearchParams("format=%00")).map((i) => i.path), ["format"]);
  assert.deepEqual(queryIssues(new URLSearchParams("format=csv&page_size=5")), []);
});
