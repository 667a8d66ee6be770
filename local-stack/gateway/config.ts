// Reads what the gateway needs from supabase/config.toml: the declared edge functions and the
// schemas PostgREST exposes, resolved as the Supabase CLI resolves them.
import { parse } from "smol-toml";
import { dirname, resolve } from "node:path";

/** One `[functions.<name>]` section. */
export interface FunctionDeclaration {
  name: string;
  /** Absolute path of the function's entrypoint module. */
  entrypoint: string;
  verifyJwt: boolean;
  /** Absolute path of the deno.json or import map the function runs with, if declared. */
  importMap?: string;
  /** `static_files`: absolute glob patterns of the files deployed with the function. */
  staticFiles: string[];
}

/** The parts of config.toml the gateway serves. */
export interface GatewayConfig {
  functions: Map<string, FunctionDeclaration>;
  /** `[api] schemas`: the schemas whose functions `/rest/v1/rpc` may call, the first by default. */
  schemas: string[];
  /** `[api] extra_search_path`, appended to the search_path of RPC calls as PostgREST does. */
  extraSearchPath: string[];
}

/** Loads `path` (a supabase/config.toml); paths in it are relative to its folder. */
export async function loadConfig(path: string): Promise<GatewayConfig> {
  const supabaseDir = dirname(resolve(path));
  const toml = parse(await Deno.readTextFile(path)) as {
    api?: { schemas?: string[]; extra_search_path?: string[] };
    functions?: Record<
      string,
      {
        enabled?: boolean;
        verify_jwt?: boolean;
        entrypoint?: string;
        import_map?: string;
        static_files?: string[];
      }
    >;
  };
  const functions = new Map<string, FunctionDeclaration>();
  for (const [name, section] of Object.entries(toml.functions ?? {})) {
    if (section.enabled === false) continue;
    functions.set(name, {
      name,
      // The CLI's default when no entrypoint is given.
      entrypoint: resolve(supabaseDir, section.entrypoint ?? `functions/${name}/index.ts`),
      verifyJwt: section.verify_jwt ?? true,
      importMap: section.import_map ? resolve(supabaseDir, section.import_map) : undefined,
      staticFiles: (section.static_files ?? []).map((pattern) => resolve(supabaseDir, pattern)),
    });
  }
  return {
    functions,
    schemas: toml.api?.schemas ?? ["public", "graphql_public"],
    extraSearchPath: toml.api?.extra_search_path ?? ["public", "extensions"],
  };
}
