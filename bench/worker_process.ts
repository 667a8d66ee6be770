// The exports worker's own OS process on the bench stack: the gateway runs
// each edge function in a Deno process of its own, started on its first
// request. The bench finds it under the gateway's pid (never by a broad
// search), reads its peak resident set and CPU time, and restarts it so peaks
// stay separate.
import { cpuSeconds } from "./process_cpu.ts";
import { findDescendant } from "./process_tree.ts";
import { countedMemoryPeak, residentMemory } from "./process_memory.ts";

const workerCommand =
  /function_bootstrap\.ts \d+ file:\S*\/functions\/exports-worker\/index\.ts( \S+)?$/;

/** The gateway's pid, from the file scripts/gateway-start writes. */
export async function gatewayPid(localDir: string): Promise<number> {
  const text = await Deno.readTextFile(`${localDir}/gateway/gateway.pid`).catch(() => "");
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new Error(`no gateway pid in ${localDir}/gateway/gateway.pid: is the bench stack up?`);
  }
  return pid;
}

/** The worker's pid, or null when the gateway has not started it (yet, or again). */
export async function workerPid(localDir: string): Promise<number | null> {
  return await findDescendant(await gatewayPid(localDir), workerCommand);
}

/** The worker's pid; throws when the gateway has not started it. */
export async function runningWorkerPid(localDir: string): Promise<number> {
  const pid = await workerPid(localDir);
  if (pid === null) throw new Error("the exports worker is not running: no export has woken it");
  return pid;
}

/** What the OS has counted for a process since it started. */
export interface WorkerUsage {
  /** Peak resident set (VmHWM), MB. */
  peakMB: number;
  /** Peak of what the edge runtime counts against its memory limit, MB (null: not reported). */
  countedPeakMB: number | null;
  /** User + system CPU time, all threads, seconds. */
  cpuSeconds: number;
}

/** The worker's usage so far; throws when process `pid` has exited. */
export async function workerUsage(localDir: string, pid: number): Promise<WorkerUsage> {
  const [memory, counted, cpu] = await Promise.all([
    residentMemory(pid),
    countedMemoryPeak(localDir, pid),
    cpuSeconds(pid),
  ]);
  return { peakMB: memory.peakMB, countedPeakMB: counted, cpuSeconds: cpu };
}

/**
 * Stops the worker process, if running, and waits until it is gone; the
 * gateway starts a fresh one on the next wake, with a fresh peak.
 */
export async function restartWorker(localDir: string): Promise<void> {
  const pid = await workerPid(localDir);
  if (pid === null) return;
  Deno.kill(pid, "SIGTERM");
  for (let waited = 0; waited < 100; waited++) {
    try {
      await Deno.stat(`/proc/${pid}`);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the exports worker (pid ${pid}) did not exit within 5 s of SIGTERM`);
}

/**
 * Runs `work` with the worker process stopped (SIGSTOP), then lets it go on
 * (SIGCONT): what it is woken for meanwhile waits until then. Throws when the
 * worker is not running, since a wake-up would start one that is not paused.
 */
export async function withWorkerPaused<T>(localDir: string, work: () => Promise<T>): Promise<T> {
  const pid = await runningWorkerPid(localDir);
  Deno.kill(pid, "SIGSTOP");
  try {
    return await work();
  } finally {
    Deno.kill(pid, "SIGCONT");
  }
}
