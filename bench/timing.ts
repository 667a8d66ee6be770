// Clocks for the measurements: a monotonic timer and repeated sampling.

/** Seconds elapsed running `work` once, on the monotonic clock. */
export async function timeSeconds(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/** Runs `work` `runs` times in a row and returns what each run measured. */
export async function sample<T>(runs: number, work: (run: number) => Promise<T>): Promise<T[]> {
  const samples: T[] = [];
  for (let run = 0; run < runs; run++) samples.push(await work(run));
  return samples;
}
