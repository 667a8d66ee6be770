// The profiles' one definition: the Free plan by default, a test's overrides on top of a profile,
// and a name that is not a profile refused.
import assert from "node:assert/strict";
import {
  limitSecrets,
  profileFromEnvironment,
  profiles,
  resolveProfile,
} from "../../local-stack/gateway/profiles.ts";

Deno.test("no profile named is the Free plan: 2 s CPU, 256 MiB, 150 s, 50 MiB files", () => {
  for (const name of [undefined, "", " "]) {
    const profile = resolveProfile(name);
    assert.equal(profile.name, "free");
    assert.deepEqual(profile.functions, {
      cpuSoftLimitMs: 1_000,
      cpuHardLimitMs: 2_000,
      memoryLimitMb: 256,
      wallClockLimitMs: 150_000,
    });
    assert.equal(profile.storageFileSizeLimit, 52_428_800);
  }
});

Deno.test("pro differs from free in its wall clock and file size limit; unlimited has none", () => {
  assert.deepEqual(resolveProfile("pro").functions, {
    ...profiles.free.functions,
    wallClockLimitMs: 400_000,
  });
  assert.ok(resolveProfile("pro").storageFileSizeLimit > profiles.free.storageFileSizeLimit);
  assert.deepEqual(Object.values(resolveProfile("unlimited").functions), [0, 0, 0, 0]);
});

Deno.test("overrides replace single limits of a profile and leave the others", () => {
  const profile = resolveProfile("free", { cpuHardLimitMs: 400, memoryLimitMb: undefined });
  assert.deepEqual(profile.functions, { ...profiles.free.functions, cpuHardLimitMs: 400 });
  assert.equal(profiles.free.functions.cpuHardLimitMs, 2_000, "the table itself is unchanged");
  assert.throws(() => resolveProfile("free", { wallClockLimitMs: -1 }), /whole number/);
});

Deno.test("a name that is not a profile is refused, naming the profiles", () => {
  assert.throws(() => resolveProfile("team"), {
    message: 'unknown profile "team": choose one of free, pro, unlimited',
  });
});

Deno.test("functions are told the profile's wall clock and memory, 0 for none", () => {
  assert.deepEqual(limitSecrets(profiles.free.functions), {
    EXPORTS_WORKER_WALL_CLOCK_MS: "150000",
    EXPORTS_WORKER_MEMORY_MB: "256",
  });
  assert.deepEqual(limitSecrets(profiles.unlimited.functions), {
    EXPORTS_WORKER_WALL_CLOCK_MS: "0",
    EXPORTS_WORKER_MEMORY_MB: "0",
  });
});

Deno.test("the environment names the profile and its test overrides", () => {
  const env = (values: Record<string, string>) => ({ get: (name: string) => values[name] });
  assert.equal(profileFromEnvironment(env({})).name, "free");
  const profile = profileFromEnvironment(env({
    EXPORTS_PROFILE: "pro",
    EXPORTS_LIMIT_CPU_HARD_MS: "400",
    EXPORTS_LIMIT_MEMORY_MB: " ",
  }));
  assert.deepEqual(profile.functions, { ...profiles.pro.functions, cpuHardLimitMs: 400 });
  assert.throws(
    () => profileFromEnvironment(env({ EXPORTS_LIMIT_WALL_CLOCK_MS: "soon" })),
    { message: 'EXPORTS_LIMIT_WALL_CLOCK_MS must be a whole number, 0 or more; got "soon"' },
  );
});
