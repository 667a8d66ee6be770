// What a process has used as the kernel accounts it: CPU time from /proc/<pid>/stat (user and
// system, all its threads) and resident memory from /proc/<pid>/status.

/** A process's CPU time and resident memory at one moment. */
export interface ProcessUsage {
  /** User plus system CPU time since it started, in milliseconds. */
  cpuMs: number;
  /** Resident set size (VmRSS), in bytes. */
  residentBytes: number;
}

let ticksPerSecond: Promise<number> | undefined;

/** The kernel's clock ticks per second (USER_HZ), which /proc/<pid>/stat counts in. */
function clockTicksPerSecond(): Promise<number> {
  ticksPerSecond ??= new Deno.Command("getconf", { args: ["CLK_TCK"] }).output().then((output) => {
    const ticks = Number(new TextDecoder().decode(output.stdout).trim());
    if (!output.success || !Number.isInteger(ticks) || ticks <= 0) {
      throw new Error("getconf CLK_TCK did not print the clock ticks per second");
    }
    return ticks;
  });
  return ticksPerSecond;
}

/** The CPU time and resident memory of process `pid`; throws NotFound once it is gone. */
export async function processUsage(pid: number): Promise<ProcessUsage> {
  const [stat, status, ticks] = await Promise.all([
    Deno.readTextFile(`/proc/${pid}/stat`),
    Deno.readTextFile(`/proc/${pid}/status`),
    clockTicksPerSecond(),
  ]);
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted after
  // its last ')'. utime and stime are fields 14 and 15, the 12th and 13th after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  // A zombie has no VmRSS line: it holds no memory.
  const rssKib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  if (!Number.isFinite(cpuTicks)) throw new Error(`/proc/${pid}/stat has no utime and stime`);
  return { cpuMs: cpuTicks * 1000 / ticks, residentBytes: rssKib * 1024 };
}
