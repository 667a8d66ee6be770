// Describes the machine and the run a set of figures came from, as the OS
// reports it, so BENCHMARKS.md can say exactly where its numbers were taken.

/** Where and when a run happened. */
export interface Machine {
  /** ISO date and time the run started (UTC). */
  date: string;
  /** Logical CPUs this process may use (`nproc`). */
  cpus: number;
  /** The CPU model from /proc/cpuinfo. */
  cpuModel: string;
  /** Total memory in GiB, from /proc/meminfo. */
  memoryGiB: number;
  /** The 1-minute load average when the run started: others share these machines. */
  loadAverage: number;
  /** `postgres --version` of the cluster's server. */
  postgres: string;
  /** The Deno running the harness. */
  deno: string;
  /** The commit measured (with "+changes" when the work tree differs). */
  commit: string;
}

async function commandText(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "null" })
    .output();
  return new TextDecoder().decode(output.stdout).trim();
}

/** Reads the machine's description from /proc, nproc, postgres and git. */
export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo");
  const meminfo = await Deno.readTextFile("/proc/meminfo");
  const memKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0);
  const commit = await commandText("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = (await commandText("git", ["status", "--porcelain", "--", "."])) !== "";
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpus: Number(await commandText("nproc", [])),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim() ?? "unknown",
    memoryGiB: Math.round(memKiB / 1024 / 1024 * 10) / 10,
    loadAverage: Deno.loadavg()[0],
    postgres: await commandText("/usr/lib/postgresql/15/bin/postgres", ["--version"]),
    deno: `deno ${Deno.version.deno}`,
    commit: dirty ? `${commit}+changes` : commit,
  };
}

/** The machine as the lines BENCHMARKS.md and the console show. */
export function renderMachine(machine: Machine): string {
  return [
    `- date: ${machine.date}`,
    `- machine: ${machine.cpus} CPUs (nproc), ${machine.cpuModel}, ${machine.memoryGiB} GiB memory`,
    `- load average at start: ${machine.loadAverage.toFixed(2)} ` +
    "(shared machine: other engineers' builds and tests ran at the same time)",
    `- software: ${machine.postgres}, ${machine.deno}`,
    `- commit: ${machine.commit}`,
  ].join("\n");
}
