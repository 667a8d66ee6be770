// Tests for bench/process_tree.ts, against real child processes.
import assert from "node:assert/strict";
import { commandLine, findDescendant } from "./process_tree.ts";

Deno.test("a grandchild is found by its command line", async () => {
  const shell = new Deno.Command("bash", {
    args: ["-c", "sleep 30.5 & wait"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    let found: number | null = null;
    for (let attempt = 0; attempt < 50 && found === null; attempt++) {
      found = await findDescendant(Deno.pid, /^sleep 30\.5$/);
      if (found === null) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(found !== null, "sleep 30.5 was not found under this process");
    assert.equal(await commandLine(found), "sleep 30.5");
    Deno.kill(found, "SIGTERM");
  } finally {
    await shell.status;
  }
});

Deno.test("a command line that no descendant has gives null", async () => {
  assert.equal(await findDescendant(Deno.pid, /^no-such-command-anywhere$/), null);
});
