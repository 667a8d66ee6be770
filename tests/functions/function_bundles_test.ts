// Each function deploys on its own (tests/support/function_bundle.ts says what it ships): its
// deno.json maps just the packages its code imports, at the root deno.json's versions, and the
// root deno.lock pins everything they resolve to, so `deno test`, the local function host and a
// deployment run the same code. Each function's deno.json says "lock": false because the edge
// runtime's bundler cannot read the lockfile Deno 2 writes; the exact versions in the map and
// this test stand in for it.
//
// Size: a hosted function may be at most 20 MB as the CLI uploads it, a compressed eszip. The
// test reads every file the eszip would hold (local modules, every file of every npm package the
// function resolves, static files) and compresses them as one gzip stream, which packs source
// text no tighter than the CLI's brotli: a bundle this measure keeps under 20 MB fits.
import assert from "node:assert/strict";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  bundleSize,
  declaredFunctions,
  type FunctionGraph,
  functionGraph,
  rootImports,
  rootLockedPackages,
} from "../support/function_bundle.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const maxBundleBytes = 20 * 1024 * 1024;
const graphs = new Map<string, Promise<FunctionGraph>>();

async function allGraphs(): Promise<FunctionGraph[]> {
  const functions = await declaredFunctions();
  assert.deepEqual(functions.map((fn) => fn.name).sort(), ["exports", "exports-worker"]);
  return await Promise.all(functions.map((fn) => {
    let graph = graphs.get(fn.name);
    if (!graph) graphs.set(fn.name, graph = functionGraph(fn));
    return graph;
  }));
}

Deno.test("each function's deno.json maps exactly the packages its code imports, as the root one does", async () => {
  const root = await rootImports();
  for (const graph of await allGraphs()) {
    const name = graph.declaration.name;
    assert.equal(
      relative(repoRoot, graph.declaration.importMap!),
      `functions/${name}/deno.json`,
      `${name} runs with the deno.json of its own folder`,
    );
    assert.deepEqual(
      Object.keys(graph.imports).sort(),
      [...graph.importedNames].sort(),
      `${name}'s deno.json maps what its modules import, and nothing else`,
    );
    for (const [specifier, target] of Object.entries(graph.imports)) {
      assert.equal(target, root[specifier], `${name} imports ${specifier} as the root does`);
    }
    assert.equal(graph.lock, false, `${name}'s deno.json writes no lockfile the bundler rejects`);
  }
});

Deno.test("each function resolves its npm packages to the versions the root deno.lock pins", async () => {
  const root = await rootLockedPackages();
  for (const graph of await allGraphs()) {
    const name = graph.declaration.name;
    assert.ok(graph.locked.size > 0, `${name} resolves npm packages`);
    for (const [id, integrity] of graph.locked) {
      assert.equal(root.get(id), integrity, `${name}'s ${id} is the root deno.lock's`);
    }
  }
});

Deno.test("each function's deployable bundle stays under 20 MB", async () => {
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  for (const graph of await allGraphs()) {
    const size = await bundleSize(graph);
    console.log(
      `${graph.declaration.name}: ${mb(size.compressed)} compressed, ${
        mb(size.total)
      } in files (modules ${mb(size.localModules)}, ${graph.npmPackages.size} npm packages ${
        mb(size.npmPackages)
      }, static files ${mb(size.staticFiles)})`,
    );
    assert.ok(
      size.compressed < maxBundleBytes,
      `${graph.declaration.name} uploads ${mb(size.compressed)}, over the 20 MB limit`,
    );
  }
});

Deno.test("the worker ships its fonts and their licence from its own folder", async () => {
  const worker = (await allGraphs()).find((graph) => graph.declaration.name === "exports-worker")!;
  assert.deepEqual(
    worker.staticFiles.map((file) => relative(repoRoot, file)),
    [
      "functions/exports-worker/fonts/DejaVuSansCondensed-Bold.ttf",
      "functions/exports-worker/fonts/DejaVuSansCondensed.ttf",
      "functions/exports-worker/fonts/LICENSE",
    ],
  );
});
