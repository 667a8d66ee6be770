// The stack's worker as an OS process: the gateway runs each function as a
// Deno process of its own, started on its first request.
import { stackEnv } from "../support/env.ts";

/** The pids of the stack's worker: processes of the worker's code with the stack's SUPABASE_URL. */
export async function stackWorkerPids(): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
      if (!cmdline.includes("functions/exports-worker/index.ts")) continue;
      const environ = (await Deno.readTextFile(`/proc/${entry.name}/environ`)).split("\0");
      if (environ.includes(`SUPABASE_URL=${stackEnv().supabaseUrl}`)) pids.push(Number(entry.name));
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
