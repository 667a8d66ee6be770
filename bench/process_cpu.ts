// Reads the CPU time a process has used as the kernel accounts it
// (/proc/<pid>/stat, all its threads), so the worker's CPU per export is the
// OS's figure: what a host's CPU limit would count.

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (USER_HZ), which /proc/<pid>/stat counts in. */
async function clockTicksPerSecond(): Promise<number> {
  if (ticksPerSecond === undefined) {
    const output = await new Deno.Command("getconf", { args: ["CLK_TCK"] }).output();
    const ticks = Number(new TextDecoder().decode(output.stdout).trim());
    if (!output.success || !Number.isInteger(ticks) || ticks <= 0) {
      throw new Error("getconf CLK_TCK did not print the clock ticks per second");
    }
    ticksPerSecond = ticks;
  }
  return ticksPerSecond;
}

/** User plus system CPU seconds process `pid` has used since it started. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // The command name (field 2) is in parentheses and may hold spaces or
  // parentheses itself: fields are counted after its last ')'. utime and
  // stime are fields 14 and 15, so the 12th and 13th after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`/proc/${pid}/stat has no utime and stime`);
  return ticks / await clockTicksPerSecond();
}
