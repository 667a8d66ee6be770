// Finds a process among the descendants of one we started, through /proc,
// so the harness measures (and restarts) its own stack's worker and nobody else's.

/** The command line of process `pid`, its arguments joined by spaces. */
export async function commandLine(pid: number): Promise<string> {
  const raw = await Deno.readTextFile(`/proc/${pid}/cmdline`);
  return raw.split("\0").filter((part) => part !== "").join(" ");
}

/** The direct children of process `pid`, over all its threads. */
export async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
    const text = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`)
      .catch(() => "");
    children.push(...text.trim().split(/\s+/).filter((id) => id !== "").map(Number));
  }
  return children;
}

/**
 * The first descendant of `rootPid` (breadth first) whose command line matches
 * `pattern`, or null when none does.
 */
export async function findDescendant(rootPid: number, pattern: RegExp): Promise<number | null> {
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.shift()!;
    for (const child of await childrenOf(pid).catch(() => [])) {
      if (pattern.test(await commandLine(child).catch(() => ""))) return child;
      pending.push(child);
    }
  }
  return null;
}
