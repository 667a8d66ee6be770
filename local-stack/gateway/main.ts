// Entry point of the local gateway, a stand-in for Supabase's API (local-stack/README.md):
//   deno run -A local-stack/gateway/main.ts [--config supabase/config.toml] [--port 54321]
//     [--storage-dir <dir>] [--storage-file-size-limit <bytes>] [--memory-reports-dir <dir>]
// Reads SUPABASE_DB_URL, SUPABASE_JWT_SECRET, SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY,
// SUPABASE_PUBLISHABLE_KEY, SUPABASE_SECRET_KEY and LOCAL_JWT_SIGNING_KEY, and EXPORTS_WAKE_SECRET
// where set (scripts/lib/env.sh exports them all); EXPORTS_PROFILE names the plan whose limits it
// enforces and EXPORTS_LIMIT_* replace single limits of it for tests (profiles.ts). Stops cleanly
// on SIGINT or SIGTERM.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { loadConfig } from "./config.ts";
import { startGateway } from "./gateway.ts";
import { describeProfile, profileFromEnvironment } from "./profiles.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const localDir = Deno.env.get("EXPORTS_LOCAL_DIR") ?? `${repoRoot}.local`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    config: { type: "string", default: `${repoRoot}supabase/config.toml` },
    port: { type: "string", default: Deno.env.get("EXPORTS_API_PORT") ?? "54321" },
    "storage-dir": { type: "string", default: `${localDir}/storage` },
    // Where function instances report the memory the edge runtime counts (function_host.ts).
    "memory-reports-dir": { type: "string", default: `${localDir}/gateway/instances` },
    // Storage's global upload limit; default the profile's.
    "storage-file-size-limit": {
      type: "string",
      default: Deno.env.get("EXPORTS_STORAGE_FILE_SIZE_LIMIT"),
    },
  },
});

function required(name: string): string {
  const value = Deno.env.get(name);
  if (!value) {
    console.error(`error: ${name} is not set; run: source scripts/lib/env.sh`);
    Deno.exit(2);
  }
  return value;
}

let profile;
try {
  profile = profileFromEnvironment();
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  Deno.exit(2);
}

const gateway = await startGateway({
  profile,
  config: await loadConfig(values.config),
  port: Number(values.port),
  storageDir: values["storage-dir"],
  memoryReportsDir: values["memory-reports-dir"],
  storageFileSizeLimit: values["storage-file-size-limit"]
    ? Number(values["storage-file-size-limit"])
    : undefined,
  databaseUrl: required("SUPABASE_DB_URL"),
  jwtSecret: required("SUPABASE_JWT_SECRET"),
  anonKey: required("SUPABASE_ANON_KEY"),
  serviceRoleKey: required("SUPABASE_SERVICE_ROLE_KEY"),
  publishableKey: required("SUPABASE_PUBLISHABLE_KEY"),
  secretKey: required("SUPABASE_SECRET_KEY"),
  signingKey: required("LOCAL_JWT_SIGNING_KEY"),
  wakeSecret: Deno.env.get("EXPORTS_WAKE_SECRET") || undefined,
});
console.log(`local gateway listening on ${gateway.url}, profile ${describeProfile(profile)}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await gateway.close();
    Deno.exit(0);
  });
}
