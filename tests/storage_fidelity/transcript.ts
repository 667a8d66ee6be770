// Compares a scenario's transcript with the one the real Storage server gave, step by step, and
// renders the differences the way a reviewer reads them: the step, what the real server answered,
// what the stand-in answered.

/** One step of a transcript: its name and what the scenario recorded of the answer. */
export interface Step {
  step: string;
  [key: string]: unknown;
}

/** A step the two transcripts disagree on; a missing side is `null`. */
export interface StepDifference {
  step: string;
  real: Step | null;
  local: Step | null;
}

/**
 * The steps whose records differ, in the real transcript's order, then steps only the local one
 * has. Records compare as serialised JSON, key order included, as the recorded diff does: the
 * order of an answer's keys is part of what a client sees.
 */
export function diffTranscripts(real: Step[], local: Step[]): StepDifference[] {
  const byName = new Map(local.map((s) => [s.step, s]));
  const names = new Set(real.map((s) => s.step));
  const differences: StepDifference[] = [];
  for (const expected of real) {
    const got = byName.get(expected.step) ?? null;
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      differences.push({ step: expected.step, real: expected, local: got });
    }
  }
  for (const got of local) {
    if (!names.has(got.step)) {
      differences.push({ step: got.step, real: null, local: got });
    }
  }
  return differences;
}

/** The differences as text: per step, `- real` and `+ local` lines. */
export function renderDifferences(differences: StepDifference[]): string {
  return differences.map(({ step, real, local }) =>
    `${step}\n  - ${JSON.stringify(real)}\n  + ${JSON.stringify(local)}`
  ).join("\n");
}
