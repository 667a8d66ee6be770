// Starts a private local gateway for one test, on a free port, with its own Storage folder and
// optionally a fixture config.toml; `await using` stops it (and its functions) at the end.
import { fileURLToPath } from "node:url";

/** A gateway started by `startTestGateway`. */
export interface TestGateway extends AsyncDisposable {
  url: string;
  /** The folder holding its Storage objects. */
  storageDir: string;
}

const main = fileURLToPath(new URL("../../local-stack/gateway/main.ts", import.meta.url));

/**
 * Starts a gateway; `config` defaults to the project's supabase/config.toml. Its Storage folder
 * is a new one removed at the end, unless `storageDir` names one that outlives it.
 * `memoryReportsDir` is where its function instances report their memory.
 */
export async function startTestGateway(
  options: {
    config?: string;
    env?: Record<string, string>;
    storageDir?: string;
    memoryReportsDir?: string;
  } = {},
): Promise<TestGateway> {
  const port = freePort();
  const storageDir = options.storageDir ??
    await Deno.makeTempDir({ prefix: "gateway-storage-" });
  const args = [
    "run",
    "-A",
    "--no-prompt",
    main,
    "--port",
    String(port),
    "--storage-dir",
    storageDir,
  ];
  if (options.config) args.push("--config", options.config);
  if (options.memoryReportsDir) args.push("--memory-reports-dir", options.memoryReportsDir);
  const process = new Deno.Command(Deno.execPath(), {
    args,
    env: options.env,
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      process.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    await process.status;
    if (!options.storageDir) await Deno.remove(storageDir, { recursive: true });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/health`);
      await response.body?.cancel();
      if (response.ok) return { url, storageDir, [Symbol.asyncDispose]: stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`the test gateway did not answer ${url}/health within 30 s`);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}
