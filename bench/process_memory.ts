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
