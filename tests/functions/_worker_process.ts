// The stack's worker as an OS process: the gateway runs each function as a
// Deno process of its own, started on its first request.
import { stackEnv } from "../support/env.ts";

/** The pids of the stack's worker: processes of the worker's code with the stack's SUPABASE_URL. */
export function stackWorkerPids(): Promise<number[]> {
  return workerPids(stackEnv().supabaseUrl);
}

/** The pids of the worker of the gateway at `url` (its functions' SUPABASE_URL). */
export async function workerPids(url: string): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
      if (!cmdline.includes("functions/exports-worker/index.ts")) continue;
      const environ = (await Deno.readTextFile(`/proc/${entry.name}/environ`)).split("\0");
      if (environ.includes(`SUPABASE_URL=${url}`)) pids.push(Number(entry.name));
    } catch {
      // The process exited while we looked.
    }
  }
  return pids;
}

/** Whether process `pid` is alive (not gone, not a zombie). */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    return !(await Deno.readTextFile(`/proc/${pid}/stat`)).includes(") Z ");
  } catch {
    return false;
  }
}

/** The pid of the stack's gateway: the gateway's process listening on the stack's port. */
export async function stackGatewayPid(): Promise<number> {
  const port = new URL(stackEnv().supabaseUrl).port;
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const args = (await Deno.readTextFile(`/proc/${entry.name}/cmdline`)).split("\0");
      const listening = args[args.indexOf("--port") + 1];
      if (args.some((arg) => arg.endsWith("local-stack/gateway/main.ts")) && listening === port) {
        return Number(entry.name);
      }
    } catch {
      // The process exited while we looked.
    }
  }
  throw new Error(`no gateway of the stack listens on port ${port}`);
}
