// Replays the scenarios recorded against the real Supabase Storage server on the local stack's
// Storage and compares the transcripts step by step: where they differ, the stand-in is wrong.
// The scenarios are Node programs (their clients are npm packages: storage-js, the AWS S3 client,
// pg), installed into this folder by scripts/setup.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { stackEnv } from "../support/env.ts";
import { diffTranscripts, renderDifferences, type Step } from "./transcript.ts";

const here = fileURLToPath(new URL(".", import.meta.url));

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
    // Each step goes to stderr as it is answered: a scenario that fails says how far it got.
    env: { STORAGE_JWT_SECRET: env.jwtSecret, STORAGE_LARGE_VERBOSE: "1" },
    stdin: "null",
    // A scenario that hangs (a connection neither side closes) fails instead of stalling the run.
    signal: AbortSignal.timeout(5 * 60_000),
  }).output();
  const text = new TextDecoder();
  const lastSteps = text.decode(stderr).trimEnd().split("\n").slice(-20).join(
    "\n",
  );
  assert.equal(
    code,
    0,
    `the ${scenario} scenario did not run to its end (exit ${code}); its last steps:\n${lastSteps}`,
  );
  return JSON.parse(text.decode(stdout)) as Step[];
}

async function golden(scenario: "basic" | "large"): Promise<Step[]> {
  return JSON.parse(
    await Deno.readTextFile(`${here}storage-${scenario}.golden.json`),
  );
}

const scenarios = {
  basic: "the basic scenario",
  large: "the large-file scenario",
};

for (
  const [scenario, title] of Object.entries(scenarios) as [
    "basic" | "large",
    string,
  ][]
) {
  Deno.test(`storage fidelity: ${title} answers as the real server`, async () => {
    const differences = diffTranscripts(
      await golden(scenario),
      await replay(scenario),
    );
    assert.equal(
      differences.length,
      0,
      `differs from the real server on ${differences.length} steps:\n` +
        renderDifferences(differences),
    );
  });
}
