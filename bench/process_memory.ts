// Reads a process's resident memory as the kernel accounts it (/proc/<pid>/status),
// so the worker's peak is the OS's figure, not the JavaScript heap's.

/** Resident set sizes of one process, in MB (10^6 bytes). */
export interface ResidentMemory {
  /** The current resident set (VmRSS). */
  currentMB: number;
  /** The peak resident set since the process started or was last reset (VmHWM). */
  peakMB: number;
}

function kibField(status: string, field: string, pid: number): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}: is it a live process?`);
  return Number(match[1]) * 1024 / 1e6;
}

/** The current and peak resident set of process `pid`. */
export async function residentMemory(pid: number): Promise<ResidentMemory> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return { currentMB: kibField(status, "VmRSS", pid), peakMB: kibField(status, "VmHWM", pid) };
}

/**
 * The peak of what the edge runtime counts against a function's memory limit (V8's used heap
 * plus external memory), in MB, as instance `pid` of the stack in `localDir` reports it
 * (local-stack/gateway/function_bootstrap.ts); null when it reports none.
 */
export async function countedMemoryPeak(localDir: string, pid: number): Promise<number | null> {
  try {
    const report = JSON.parse(await Deno.readTextFile(`${localDir}/gateway/instances/${pid}.json`));
    return report.bytes / 1e6;
  } catch {
    return null;
  }
}
