// Runs each declared edge function from its own code in its own Deno process, started on its
// first request and kept warm under its profile's limits, and proxies requests and streamed
// responses to it.
import { fileURLToPath, pathToFileURL } from "node:url";
import type { FunctionDeclaration } from "./config.ts";
import type { FunctionLimits } from "./profiles.ts";
import { processUsage } from "./process_usage.ts";

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
  /** The profile's wall clock, as a project tells its worker (profiles.ts limitSecrets). */
  EXPORTS_WORKER_WALL_CLOCK_MS?: string;
  /** The profile's memory limit, likewise. */
  EXPORTS_WORKER_MEMORY_MB?: string;
}

/** Why the host killed an instance: the edge runtime's names for its shutdown reasons. */
export type LimitReached = "CPUTime" | "Memory" | "WallClockTime";

/** What the log says when an instance is stopped at a limit, as the edge runtime logs it. */
const limitMessages: Record<LimitReached, string> = {
  CPUTime: "CPU time hard limit reached",
  Memory: "memory limit reached",
  WallClockTime: "wall clock duration reached",
};

/** One running function process: an instance, in the edge runtime's words. */
interface Instance {
  name: string;
  port: number;
  process: Deno.ChildProcess;
  /** Its copy of the root deno.lock. */
  lock: string;
  /** Takes no new requests: past its CPU soft limit or half its wall clock. */
  retired: boolean;
  /** The limit it was killed at. */
  stoppedAt?: LimitReached;
  /** The boot that started it, while it may be the one taking requests. */
  started?: Promise<Instance>;
  /** Requests forwarded to it whose response head has not come back yet. */
  forwarding: number;
  /** Whether it was told it is retired (see #retire). */
  told: boolean;
}

/** Options for {@link FunctionHost}. */
export interface FunctionHostOptions {
  /** The environment every function gets. */
  environment: FunctionEnvironment;
  /** The limits each instance runs under (profiles.ts); default none. */
  limits?: FunctionLimits;
  /** How often an instance's CPU, memory and age are looked at; default 50 ms. */
  sampleMs?: number;
  /**
   * A folder where each instance keeps `<pid>.json`: the peak of the memory the edge runtime
   * counts against its limit (function_bootstrap.ts). Benchmarks read it beside the resident set.
   */
  memoryReportsDir?: string;
}

const bootstrap = fileURLToPath(new URL("./function_bootstrap.ts", import.meta.url));
// A function's own deno.json says "lock": false, since the edge runtime's bundler cannot read the
// lockfile Deno 2 writes. Here it runs against a copy of the root deno.lock instead, which Deno
// trims to the function's packages and so holds them at the versions the tests run.
const rootLock = fileURLToPath(new URL("../../deno.lock", import.meta.url));
const bootTimeoutMs = 60_000;
const noLimits: FunctionLimits = {
  cpuSoftLimitMs: 0,
  cpuHardLimitMs: 0,
  memoryLimitMb: 0,
  wallClockLimitMs: 0,
};

/**
 * Starts functions on demand and forwards requests to them, enforcing the limits per instance as
 * the edge runtime's per-worker supervisor does; `close()` stops them all.
 *
 * Each function has at most one instance taking requests. One past its CPU soft limit or half its
 * wall clock is retired: the next request starts a fresh instance, while the retired one finishes
 * what it has (function_bootstrap.ts ends it once idle). One past its CPU hard limit, its memory
 * limit or its whole wall clock is killed at once, background work and all, and the requests it
 * had in flight are answered with a ResourceLimitError. CPU is counted from the moment the
 * instance listens, over all its requests and its waitUntil work, as the runtime counts it.
 */
export class FunctionHost {
  #current = new Map<string, Promise<Instance>>();
  #instances = new Set<Instance>();
  readonly environment: FunctionEnvironment;
  readonly limits: FunctionLimits;
  readonly #sampleMs: number;
  readonly #memoryReportsDir: string | undefined;

  constructor(options: FunctionHostOptions) {
    this.environment = options.environment;
    this.limits = options.limits ?? noLimits;
    this.#sampleMs = options.sampleMs ?? 50;
    this.#memoryReportsDir = options.memoryReportsDir;
    if (this.#memoryReportsDir) Deno.mkdirSync(this.#memoryReportsDir, { recursive: true });
  }

  /**
   * Forwards `request` to `fn`, as `/<name><rest>` like the hosted runtime; throws BootError, or
   * ResourceLimitError when the instance was killed at a limit before it answered.
   */
  async forward(fn: FunctionDeclaration, request: Request, rest: string): Promise<Response> {
    let instance = await this.#start(fn);
    // Retired while this request waited for its boot: the next instance takes it.
    while (instance.retired) instance = await this.#start(fn);
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    // The gateway's own server compresses for the client; a compressed body from the function
    // would be decoded by fetch while its content-encoding header still claimed otherwise.
    headers.set("accept-encoding", "identity");
    // Counted until the function has answered: from then on the instance counts it itself.
    instance.forwarding++;
    let upstream: Response;
    try {
      upstream = await fetch(
        `http://127.0.0.1:${instance.port}/${fn.name}${rest}${url.search}`,
        { method: request.method, headers, body: request.body, redirect: "manual" },
      );
    } catch (error) {
      if (instance.stoppedAt) throw new ResourceLimitError(fn.name, instance.stoppedAt);
      throw error;
    } finally {
      instance.forwarding--;
      if (instance.retired) this.#tell(instance);
    }
    // Killed after the head went out, the body is cut short: there is no status left to send.
    return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
  }

  /** Stops every function process and waits for them to exit. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#current.values());
    this.#current.clear();
    await Promise.all([...this.#instances].map(async (instance) => {
      try {
        instance.process.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      await instance.process.status;
      await Deno.remove(instance.lock).catch(() => {});
    }));
  }

  #start(fn: FunctionDeclaration): Promise<Instance> {
    let current = this.#current.get(fn.name);
    if (!current) {
      const booting = current = this.#boot(fn);
      this.#current.set(fn.name, booting);
      // A function that failed to boot, exited or was retired is started afresh on the next
      // request.
      booting.then(
        (instance) => {
          instance.started = booting;
          instance.process.status.then(() => {
            this.#instances.delete(instance);
            this.#release(fn.name, booting);
          });
        },
        () => this.#release(fn.name, booting),
      );
    }
    return current;
  }

  /** Starts the next request to `name` afresh, unless another instance already took over. */
  #release(name: string, started: Promise<Instance> | undefined): void {
    if (started && this.#current.get(name) === started) this.#current.delete(name);
  }

  /** Takes `instance` out of service: the next request to its function boots a new one. */
  #retire(instance: Instance, why: string): void {
    if (instance.retired) return;
    instance.retired = true;
    this.#release(instance.name, instance.started);
    console.log(`function ${instance.name}: ${why}; the instance takes no new requests`);
    this.#tell(instance);
  }

  /**
   * Tells a retired instance so, once no request is on its way to it: it ends once idle, and one
   * still on its way would find it gone.
   */
  #tell(instance: Instance): void {
    if (instance.told || instance.forwarding > 0) return;
    instance.told = true;
    const writer = instance.process.stdin.getWriter();
    writer.write(new TextEncoder().encode("retire\n")).catch(() => {}).finally(() =>
      writer.releaseLock()
    );
  }

  #stop(instance: Instance, reason: LimitReached): void {
    instance.stoppedAt = reason;
    this.#retire(instance, limitMessages[reason]);
    console.error(`function ${instance.name}: ${limitMessages[reason]}; the instance was killed`);
    try {
      instance.process.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }

  /** Looks at `instance` every sample until it exits, retiring or killing it at its limits. */
  async #supervise(instance: Instance, startedAt: number, cpuAtStartMs: number): Promise<void> {
    const { cpuSoftLimitMs, cpuHardLimitMs, memoryLimitMb, wallClockLimitMs } = this.limits;
    let exited = false;
    instance.process.status.then(() => exited = true);
    while (!exited && !instance.stoppedAt) {
      await new Promise((resolve) => setTimeout(resolve, this.#sampleMs));
      let usage;
      try {
        usage = await processUsage(instance.process.pid);
      } catch {
        return;
      }
      if (exited) return;
      const cpuMs = usage.cpuMs - cpuAtStartMs;
      const ageMs = performance.now() - startedAt;
      if (cpuHardLimitMs && cpuMs >= cpuHardLimitMs) this.#stop(instance, "CPUTime");
      else if (memoryLimitMb && usage.residentBytes >= memoryLimitMb * 1024 * 1024) {
        this.#stop(instance, "Memory");
      } else if (wallClockLimitMs && ageMs >= wallClockLimitMs) {
        this.#stop(instance, "WallClockTime");
      } else if (cpuSoftLimitMs && cpuMs >= cpuSoftLimitMs) {
        this.#retire(instance, "CPU time soft limit reached");
      } else if (wallClockLimitMs && ageMs >= wallClockLimitMs / 2) {
        this.#retire(instance, "wall clock duration warning");
      }
    }
  }

  async #boot(fn: FunctionDeclaration): Promise<Instance> {
    const port = freePort();
    const startedAt = performance.now();
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
        ...heapLimitFlags(this.limits.memoryLimitMb),
        `--lock=${lock}`,
        bootstrap,
        String(port),
        pathToFileURL(fn.entrypoint).href,
        ...(this.#memoryReportsDir ? [this.#memoryReportsDir] : []),
      ],
      env: { ...this.environment },
      // The host's channel to the instance: see function_bootstrap.ts.
      stdin: "piped",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    let exited = false;
    process.status.then(async () => {
      exited = true;
      await Deno.remove(lock);
      if (this.#memoryReportsDir) {
        await Deno.remove(`${this.#memoryReportsDir}/${process.pid}.json`);
      }
    }).catch(() => {});
    const deadline = Date.now() + bootTimeoutMs;
    while (!exited && Date.now() < deadline) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        const instance: Instance = {
          name: fn.name,
          port,
          process,
          lock,
          retired: false,
          forwarding: 0,
          told: false,
        };
        this.#instances.add(instance);
        if (Object.values(this.limits).some((limit) => limit > 0)) {
          // Start-up is not counted: hosted functions start from a prepared bundle, while here
          // Deno reads and compiles the function's whole module graph first.
          const { cpuMs } = await processUsage(process.pid).catch(() => ({ cpuMs: 0 }));
          this.#supervise(instance, startedAt, cpuMs);
        }
        return instance;
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

/** A function instance killed at a limit while a request to it was in flight. */
export class ResourceLimitError extends Error {
  constructor(readonly functionName: string, readonly reason: LimitReached) {
    super(`function ${functionName}: ${limitMessages[reason]}`);
    this.name = "ResourceLimitError";
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/**
 * The edge runtime creates a function's isolate with a heap limit of the
 * memory limit, from which V8 sizes its generations; Deno left alone sizes
 * them from the machine's memory.
 */
function heapLimitFlags(memoryLimitMb: number): string[] {
  return memoryLimitMb ? [`--v8-flags=--max-heap-size=${memoryLimitMb}`] : [];
}
