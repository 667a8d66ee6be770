// What `supabase functions deploy` ships for each function of supabase/config.toml, measured
// locally. The CLI has the edge runtime bundle the function into an eszip, compresses it and
// uploads that: the function's module graph as its own deno.json resolves it, a virtual file
// system holding every file of every npm package of that resolution (the edge runtime's
// build_npm_vfs adds each package folder whole, not just the modules loaded), and the function's
// static_files. This module lists the same files: the graph from `deno info --json` run with the
// function's deno.json, the packages' folders in Deno's npm cache, and static_files' globs.
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type FunctionDeclaration, loadConfig } from "../../local-stack/gateway/config.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** A function's module graph as its own deno.json resolves it. */
export interface FunctionGraph {
  declaration: FunctionDeclaration;
  /** Its deno.json's `imports`. */
  imports: Record<string, string>;
  /** Its deno.json's `lock` setting. */
  lock: unknown;
  /** The import-map names its modules import (a bare `pkg/sub` counts as `pkg`). */
  importedNames: Set<string>;
  /** Its local modules: absolute paths. */
  localModules: string[];
  /** Its npm packages, `name@version` to their folder in Deno's npm cache. */
  npmPackages: Map<string, string>;
  /** Its npm packages as Deno locked them, `name@version` to integrity. */
  locked: Map<string, string>;
  /** The files its static_files globs match: absolute paths. */
  staticFiles: string[];
}

/** A function's deployable bundle, in bytes. */
export interface BundleSize {
  localModules: number;
  npmPackages: number;
  staticFiles: number;
  /** All of the above. */
  total: number;
  /** The same bytes as one gzip stream, as the CLI compresses the eszip before upload. */
  compressed: number;
}

/** The npm packages of a lockfile (deno.lock): `name@version` to integrity. */
export function lockedPackages(lockfile: { npm?: Record<string, { integrity?: string }> }) {
  return new Map(
    Object.entries(lockfile.npm ?? {}).map(([id, entry]) => [id, entry.integrity ?? ""]),
  );
}

/** The root deno.lock's npm packages. */
export async function rootLockedPackages(): Promise<Map<string, string>> {
  return lockedPackages(JSON.parse(await Deno.readTextFile(join(repoRoot, "deno.lock"))));
}

/** The root deno.json's `imports`. */
export async function rootImports(): Promise<Record<string, string>> {
  return JSON.parse(await Deno.readTextFile(join(repoRoot, "deno.json"))).imports;
}

/** The functions config.toml declares. */
export async function declaredFunctions(): Promise<FunctionDeclaration[]> {
  return [...(await loadConfig(join(repoRoot, "supabase/config.toml"))).functions.values()];
}

/**
 * `fn`'s graph, resolved by `deno info` with its own deno.json and a copy of the root deno.lock,
 * which Deno trims to the function's packages (as the local function host runs it).
 */
export async function functionGraph(fn: FunctionDeclaration): Promise<FunctionGraph> {
  if (!fn.importMap) throw new Error(`config.toml gives ${fn.name} no import_map`);
  const config = JSON.parse(await Deno.readTextFile(fn.importMap));
  const lock = await Deno.makeTempFile({ suffix: ".lock" });
  try {
    await Deno.copyFile(join(repoRoot, "deno.lock"), lock);
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", fn.importMap, `--lock=${lock}`, fn.entrypoint],
      cwd: repoRoot,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(`deno info ${fn.entrypoint}: ${new TextDecoder().decode(output.stderr)}`);
    }
    const info = JSON.parse(new TextDecoder().decode(output.stdout)) as DenoInfo;
    const localModules = info.modules.filter((module) => module.specifier.startsWith("file:"));
    const importedNames = new Set<string>();
    for (const module of localModules) {
      for (const { specifier } of module.dependencies ?? []) {
        if (/^(\.|\/|[a-z]+:)/.test(specifier)) continue;
        const parts = specifier.split("/");
        importedNames.add(parts.slice(0, specifier.startsWith("@") ? 2 : 1).join("/"));
      }
    }
    return {
      declaration: fn,
      imports: config.imports ?? {},
      lock: config.lock,
      importedNames,
      localModules: localModules.map((module) => fileURLToPath(module.specifier)),
      npmPackages: new Map(
        Object.entries(info.npmPackages ?? {}).map(([id, pkg]) => [id, pkg.localPath]),
      ),
      locked: lockedPackages(JSON.parse(await Deno.readTextFile(lock))),
      staticFiles: (await Promise.all(fn.staticFiles.map(expandGlob))).flat(),
    };
  } finally {
    await Deno.remove(lock);
  }
}

/** The size of what deploying `graph`'s function uploads (see the top of this file). */
export async function bundleSize(graph: FunctionGraph): Promise<BundleSize> {
  const npmFiles: string[] = [];
  for (const folder of graph.npmPackages.values()) npmFiles.push(...await filesUnder(folder));
  const groups = [graph.localModules, npmFiles, graph.staticFiles];
  let compressed = 0;
  const gzip = new CompressionStream("gzip");
  const counted = gzip.readable.pipeTo(
    new WritableStream({ write: (chunk) => void (compressed += chunk.length) }),
  );
  const writer = gzip.writable.getWriter();
  const sizes: number[] = [];
  for (const files of groups) {
    let bytes = 0;
    for (const file of files) {
      const content = await Deno.readFile(file);
      bytes += content.length;
      await writer.write(content);
    }
    sizes.push(bytes);
  }
  await writer.close();
  await counted;
  const [localModules, npmPackages, staticFiles] = sizes;
  return {
    localModules,
    npmPackages,
    staticFiles,
    total: localModules + npmPackages + staticFiles,
    compressed,
  };
}

interface DenoInfo {
  modules: { specifier: string; dependencies?: { specifier: string }[] }[];
  npmPackages?: Record<string, { localPath: string }>;
}

async function filesUnder(folder: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(folder)) {
    const path = join(folder, entry.name);
    if (entry.isDirectory) files.push(...await filesUnder(path));
    else if (entry.isFile) files.push(path);
  }
  return files;
}

// The globs config.toml's static_files use: `*` and `?` in the file name only.
async function expandGlob(pattern: string): Promise<string[]> {
  const folder = dirname(pattern);
  if (/[*?[]/.test(folder)) throw new Error(`static_files: no wildcards in folders: ${pattern}`);
  const name = new RegExp(
    `^${
      basename(pattern).replace(/[.+^${}()|\\]/g, "\\$&").replaceAll("*", ".*").replaceAll(
        "?",
        ".",
      )
    }$`,
  );
  const files: string[] = [];
  for await (const entry of Deno.readDir(folder)) {
    if (entry.isFile && name.test(entry.name)) files.push(resolve(folder, entry.name));
  }
  return files.sort();
}
