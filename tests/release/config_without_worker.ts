// The project's config.toml with the worker switched off, for a gateway that serves the API
// while exports stay queued until the test decides otherwise.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "smol-toml";

const projectConfig = fileURLToPath(new URL("../../supabase/config.toml", import.meta.url));

interface FunctionSection {
  enabled?: boolean;
  entrypoint?: string;
  import_map?: string;
}

/** Writes the config into a new temporary folder and returns its path; the caller removes it. */
export async function writeConfigWithoutWorker(): Promise<string> {
  const config = parse(await Deno.readTextFile(projectConfig)) as {
    functions?: Record<string, FunctionSection>;
  };
  const worker = config.functions?.["exports-worker"];
  if (!worker) throw new Error(`${projectConfig} declares no exports-worker`);
  // Paths in a config.toml are relative to its folder: keep them pointing at the project.
  const supabaseDir = dirname(projectConfig);
  for (const section of Object.values(config.functions ?? {})) {
    if (section.entrypoint) section.entrypoint = resolve(supabaseDir, section.entrypoint);
    if (section.import_map) section.import_map = resolve(supabaseDir, section.import_map);
  }
  worker.enabled = false;
  const path = join(await Deno.makeTempDir({ prefix: "config-without-worker-" }), "config.toml");
  await Deno.writeTextFile(path, stringify(config));
  return path;
}
