// Replays the scenarios recorded against the real Supabase Storage server on the local stack's
// Storage and compares the transcripts step by step: where they differ, the stand-in is wrong.
// The scenarios are Node programs (their clients are npm packages: storage-js, the AWS S3 client,
// pg), installed into this folder by scripts/setup.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { stackEnv } from "../support/env.ts";
import {
  asBareServerLocations,
  diffTranscripts,
  renderDifferences,
  type Step,
} from "./transcript.ts";

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * The large scenario's differences still allowed: the parts of Storage the stand-in does not yet
 * serve (see local-stack/README.md). This number may only go down; at zero the test asserts an
 * exact match, as it does for the basic scenario.
 */
const LARGE_ALLOWED_DIFFERENCES = 41;

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
  }).output();
  const text = new TextDecoder();
  assert.equal(
    code,
    0,
    `the ${scenario} scenario did not run:\n${text.decode(stderr)}`,
  );
  return asBareServerLocations(JSON.parse(text.decode(stdout))) as Step[];
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

Deno.test("storage fidelity: the large-file scenario differs on no more steps than allowed", async () => {
  const differences = diffTranscripts(
    await golden("large"),
    await replay("large"),
  );
  const report = `differs from the real server on ${differences.length} steps:\n` +
    renderDifferences(differences);
  if (differences.length > 0) console.log(report);
  assert.ok(differences.length <= LARGE_ALLOWED_DIFFERENCES, report);
});
