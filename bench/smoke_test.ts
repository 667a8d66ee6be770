// Runs `bench/run --smoke` as the test suite's guard that the harness cannot
// rot: every measurement path runs once, at tiny sizes, on its own stack.
import assert from "node:assert/strict";

const run = new URL("./run", import.meta.url).pathname;

Deno.test("bench/run --smoke runs every measurement once and prints the table", async () => {
  const output = await new Deno.Command(run, {
    args: ["--smoke"],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `bench/run --smoke failed:\n${stderr}\n${stdout}`);
  assert.match(stdout, /^\| figure +\| median +\| min +\| max/m);
  for (const figure of expectedFigures) {
    assert.match(stdout, new RegExp(`^\\| ${figure}`, "m"), `the table has no '${figure}' row`);
  }
});

/** One pattern per figure the issue asks for: the smoke run must print each. */
const expectedFigures = [
  "CSV export",
  "JSONL export",
  "gzip CSV export",
  "worker peak memory, small",
  "worker peak memory, large",
  "CSV export worker CPU",
  "JSONL export worker CPU",
  "gzip CSV export worker CPU",
  "XLSX export",
  "XLSX export worker CPU",
  "PDF export",
  "PDF export worker CPU",
  "PDF report export",
  "PDF report export worker CPU",
  "CSV export of the report's rows",
  "queue, 1 worker",
  "queue, 4 workers",
  "list_exports p50",
  "Realtime broadcast p50",
  "Realtime broadcast p99",
  "list_exports p99",
  "request_export p50",
  "request_export p99",
  "request_export p50, in Postgres",
  "request_export p50, exports held back",
  "signed link p50",
  "small export start beside a long one p95",
  "cancel to end of statement",
];
