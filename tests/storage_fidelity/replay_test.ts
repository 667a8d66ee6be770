// Replays the scenarios recorded against the real Supabase Storage server on the local stack's
// Storage and compares the transcripts step by step: where they differ, the stand-in is wrong.
// The scenarios are Node programs (their clients are npm packages: storage-js, the AWS S3 client,
// pg), installed into this folder by scripts/setup.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { stackEnv } from "../support/env.ts";
import { diffTranscripts, renderDifferences, type Step } from "./transcript.ts";

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * The steps where the stand-in cannot answer as Storage does, because Deno's HTTP server decides
 * for it. Any other difference fails the test, and so does a listed step that matches again: the
 * list may only shrink.
 */
const DENO_SERVER_DIFFERENCES: Record<string, string> = {
  "signed url If-None-Match: its ETag": "Deno's server drops `Content-Length: 0` from a 304",
  "authenticated route, service key If-None-Match: its ETag":
    "Deno's server drops `Content-Length: 0` from a 304",
  "authenticated route, user JWT If-None-Match: its ETag":
    "Deno's server drops `Content-Length: 0` from a 304",
  "standard upload 60 MB, Content-Length":
    "an answer before the body is read must close the connection: Deno's server would wait for the rest of the body for good, where Node's drains it",
  "standard upload 51 MiB, Content-Length":
    "an answer before the body is read must close the connection: Deno's server would wait for the rest of the body for good, where Node's drains it",
};

async function replay(scenario: "basic" | "large"): Promise<Step[]> {
  const env = stackEnv();
  const args = [
    `${here}storage-${scenario}.mjs`,
    `${env.supabaseUrl}/storage/v1`,
  ];
  if (scenario === "large") args.push(env.databaseUrl);
  const { code, stdout, stderr } = await new Deno.Command("node", {
    args,
    cwd: here,
    env: { STORAGE_JWT_SECRET: env.jwtSecret },
    stdin: "null",
    // A scenario that hangs (a connection neither side closes) fails instead of stalling the run.
    signal: AbortSignal.timeout(5 * 60_000),
  }).output();
  const text = new TextDecoder();
  assert.equal(
    code,
    0,
    `the ${scenario} scenario did not run:\n${text.decode(stderr)}`,
  );
  return JSON.parse(text.decode(stdout)) as Step[];
}

async function golden(scenario: "basic" | "large"): Promise<Step[]> {
  return JSON.parse(
    await Deno.readTextFile(`${here}storage-${scenario}.golden.json`),
  );
}

Deno.test("storage fidelity: the basic scenario answers as the real server", async () => {
  const differences = diffTranscripts(
    await golden("basic"),
    await replay("basic"),
  );
  assert.equal(
    differences.length,
    0,
    `differs from the real server on ${differences.length} steps:\n` +
      renderDifferences(differences),
  );
});

Deno.test("storage fidelity: the large-file scenario differs only where Deno's server decides", async () => {
  const differences = diffTranscripts(await golden("large"), await replay("large"));
  const unexplained = differences.filter((d) => !(d.step in DENO_SERVER_DIFFERENCES));
  assert.equal(
    unexplained.length,
    0,
    `differs from the real server on ${unexplained.length} steps:\n` +
      renderDifferences(unexplained),
  );
  const fixed = Object.keys(DENO_SERVER_DIFFERENCES)
    .filter((step) => !differences.some((d) => d.step === step));
  assert.deepEqual(fixed, [], "these now match the real server: drop them from the list");
});
