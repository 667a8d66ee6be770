// For tests of code whose fault would be a hang: the test fails with a
// message instead of stalling the whole suite.

/** `work`, or a rejection once `ms` milliseconds have passed without it settling. */
export function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
