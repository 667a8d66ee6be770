import assert from "node:assert/strict";
import { diffTranscripts, renderDifferences } from "./transcript.ts";

Deno.test("identical transcripts have no difference", () => {
  const steps = [{ step: "a", status: 200 }, { step: "b", ok: true }];
  assert.deepEqual(diffTranscripts(steps, structuredClone(steps)), []);
});

Deno.test("a changed, a missing and an extra step are each one difference", () => {
  const real = [{ step: "a", status: 206 }, { step: "b", ok: true }];
  const local = [{ step: "a", status: 200 }, { step: "c", ok: true }];
  const differences = diffTranscripts(real, local);
  assert.deepEqual(differences.map((d) => d.step), ["a", "b", "c"]);
  assert.equal(differences[1].local, null);
  assert.equal(differences[2].real, null);
  assert.match(
    renderDifferences(differences),
    /^a\n {2}- \{"step":"a","status":206\}\n {2}\+ /,
  );
});

Deno.test("key order is part of an answer", () => {
  const real = [{ step: "info", data: { id: 1, name: "x" } }];
  const local = [{ step: "info", data: { name: "x", id: 1 } }];
  assert.equal(diffTranscripts(real, local).length, 1);
});
