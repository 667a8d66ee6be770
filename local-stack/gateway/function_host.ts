// Runs each declared edge function from its own code in its own Deno process, started on its
// first request and kept warm, and proxies requests and streamed responses to it.
import { fileURLToPath, pathToFileURL } from "node:url";
import type { FunctionDeclaration } from "./config.ts";

/** The environment every function gets, as hosted functions get it. */
export interface FunctionEnvironment {
  SUPABASE_URL: string;
  /** The legacy anon key, a JWT. */
  SUPABASE_ANON_KEY: string;
  /** The legacy service-role key, a JWT. */
  SUPABASE_SERVICE_ROLE_KEY: string;
  /** JSON object of the project's publishable keys by name: `{"default": "sb_publishable_…"}`. */
  SUPABASE_PUBLISHABLE_KEYS: string;
  /** JSON object of the project's secret keys by name: `{"default": "sb_secret_…"}`. */
  SUPABASE_SECRET_KEYS: string;
  /** The JWKS as `/auth/v1/.well-known/jwks.json` serves it, as JSON. */
  SUPABASE_JWKS: string;
  SUPABASE_DB_URL: string;
  SUPABASE_JWT_SECRET: string;
  /** The worker's wake secret, as `supabase secrets set` hands it to hosted functions. */
  EXPORTS_WAKE_SECRET?: string;
}

interface RunningFunction {
  port: number;
  process: Deno.ChildProcess;
  /** Its copy of the root deno.lock. */
  lock: string;
}

const bootstrap = fileURLToPath(new URL("./function_bootstrap.ts", import.meta.url));
// A function's own deno.json says "lock": false, since the edge runtime's bundler cannot read the
// lockfile Deno 2 writes. Here it runs against a copy of the root deno.lock instead, which Deno
// trims to the function's packages and so holds them at the versions the tests run.
const rootLock = fileURLToPath(new URL("../../deno.lock", import.meta.url));
const bootTimeoutMs = 60_000;

/** Starts functions on demand and forwards requests to them; `close()` stops them all. */
export class FunctionHost {
  #running = new Map<string, Promise<RunningFunction>>();

  constructor(readonly environment: FunctionEnvironment) {}

  /** Forwards `request` to `fn`, as `/<name><rest>` like the hosted runtime; throws BootError. */
  async forward(fn: FunctionDeclaration, request: Request, rest: string): Promise<Response> {
    const { port } = await this.#start(fn);
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    // The gateway's own server compresses for the client; a compressed body from the function
    // would be decoded by fetch while its content-encoding header still claimed otherwise.
    headers.set("accept-encoding", "identity");
    const upstream = await fetch(`http://127.0.0.1:${port}/${fn.name}${rest}${url.search}`, {
      method: request.method,
      headers,
      body: request.body,
      redirect: "manual",
    });
    return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
  }

  /** Stops every function process and waits for them to exit. */
  async close(): Promise<void> {
    const running = await Promise.allSettled(this.#running.values());
    this.#running.clear();
    await Promise.all(running.map(async (result) => {
      if (result.status !== "fulfilled") return;
      try {
        result.value.process.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      await result.value.process.status;
      await Deno.remove(result.value.lock).catch(() => {});
    }));
  }

  #start(fn: FunctionDeclaration): Promise<RunningFunction> {
    let running = this.#running.get(fn.name);
    if (!running) {
      running = this.#boot(fn);
      this.#running.set(fn.name, running);
      // A function that failed to boot or exited is started afresh on the next request.
      running.then(
        ({ process }) => process.status.then(() => this.#forget(fn.name, running!)),
        () => this.#forget(fn.name, running!),
      );
    }
    return running;
  }

  #forget(name: string, running: Promise<RunningFunction>): void {
    if (this.#running.get(name) === running) this.#running.delete(name);
  }

  async #boot(fn: FunctionDeclaration): Promise<RunningFunction> {
    const port = freePort();
    // config.toml's import_map may name a deno.json (whose "imports" Deno reads) or an import map.
    const configFlags = !fn.importMap
      ? []
      : [/deno\.jsonc?$/.test(fn.importMap) ? "--config" : "--import-map", fn.importMap];
    const lock = await Deno.makeTempFile({ prefix: `${fn.name}-`, suffix: ".lock" });
    await Deno.copyFile(rootLock, lock);
    const process = new Deno.Command(Deno.execPath(), {
      // Hosted functions are sandboxed by the edge runtime; locally they are the project's own
      // code, run with the permissions a developer's `deno run` would give it.
      args: [
        "run",
        "-A",
        "--no-prompt",
        ...configFlags,
        `--lock=${lock}`,
        bootstrap,
        String(port),
        pathToFileURL(fn.entrypoint).href,
      ],
      env: { ...this.environment },
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    let exited = false;
    process.status.then(() => {
      exited = true;
      return Deno.remove(lock);
    }).catch(() => {});
    const deadline = Date.now() + bootTimeoutMs;
    while (!exited && Date.now() < deadline) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return { port, process, lock };
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    if (!exited) {
      process.kill("SIGKILL");
      await process.status;
    }
    await Deno.remove(lock).catch(() => {});
    throw new BootError(fn.name);
  }
}

/** A function whose process exited or did not listen in time. */
export class BootError extends Error {
  constructor(readonly functionName: string) {
    super(`function ${functionName} failed to start`);
    this.name = "BootError";
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}
