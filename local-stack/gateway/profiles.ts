// The limits a hosted plan puts on each edge function instance and on Storage uploads, by profile:
// the one definition the gateway enforces and local-stack/README.md tabulates.

/** Limits on one function instance (one Deno process here, one isolate hosted); 0: none. */
export interface FunctionLimits {
  /** CPU past which the instance takes no new requests; it ends once idle. */
  cpuSoftLimitMs: number;
  /** CPU past which the instance is killed, whatever it is doing. */
  cpuHardLimitMs: number;
  /** Memory past which the instance is killed. */
  memoryLimitMb: number;
  /** Life of the instance: past half it takes no new requests, at the whole it is killed. */
  wallClockLimitMs: number;
}

/** A profile: the function limits and Storage's global file size limit of one kind of project. */
export interface Profile {
  name: ProfileName;
  functions: FunctionLimits;
  /** Storage's global file size limit in bytes. */
  storageFileSizeLimit: number;
}

/** The profiles the local stack runs under. */
export const profileNames = ["free", "pro", "unlimited"] as const;

/** A profile's name. */
export type ProfileName = (typeof profileNames)[number];

/** The profile when EXPORTS_PROFILE names none: the Free plan, the tightest hosted one. */
export const defaultProfileName: ProfileName = "free";

const mib = 1024 * 1024;

// Hosted functions get 2 s of CPU, 256 MB and 150 s (Free) or 400 s (paid) of wall clock; an
// instance stops taking requests once it has used half its CPU. Storage's global limit is 50 MB
// on Free and a project setting of up to 500 GB on paid plans.
const hostedCpu = { cpuSoftLimitMs: 1_000, cpuHardLimitMs: 2_000, memoryLimitMb: 256 };

/** Every profile's limits. */
export const profiles: Record<ProfileName, Profile> = {
  free: {
    name: "free",
    functions: { ...hostedCpu, wallClockLimitMs: 150_000 },
    storageFileSizeLimit: 50 * mib,
  },
  pro: {
    name: "pro",
    functions: { ...hostedCpu, wallClockLimitMs: 400_000 },
    storageFileSizeLimit: 500 * 1024 * mib,
  },
  // A self-hosted edge runtime started without limits, and Storage at its largest setting.
  unlimited: {
    name: "unlimited",
    functions: { cpuSoftLimitMs: 0, cpuHardLimitMs: 0, memoryLimitMb: 0, wallClockLimitMs: 0 },
    storageFileSizeLimit: 500 * 1024 * mib,
  },
};

/**
 * The profile named `name` (default {@link defaultProfileName}), with any of its function limits
 * replaced by `overrides`: tests make the limits small so that reaching them takes little time.
 */
export function resolveProfile(
  name: string | undefined,
  overrides: Partial<FunctionLimits> = {},
): Profile {
  const chosen = name?.trim() || defaultProfileName;
  if (!(profileNames as readonly string[]).includes(chosen)) {
    throw new Error(`unknown profile "${chosen}": choose one of ${profileNames.join(", ")}`);
  }
  const profile = profiles[chosen as ProfileName];
  const functions = { ...profile.functions };
  for (const [key, value] of Object.entries(overrides) as [keyof FunctionLimits, number][]) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(`${key} must be a whole number, 0 or more; got ${value}`);
    }
    functions[key] = value;
  }
  return { ...profile, functions };
}

/**
 * The profile EXPORTS_PROFILE names, with the EXPORTS_LIMIT_CPU_SOFT_MS,
 * EXPORTS_LIMIT_CPU_HARD_MS, EXPORTS_LIMIT_MEMORY_MB and EXPORTS_LIMIT_WALL_CLOCK_MS overrides of
 * `env`: the one place these variables are read.
 */
export function profileFromEnvironment(
  env: { get(name: string): string | undefined } = Deno.env,
): Profile {
  const limit = (name: string): number | undefined => {
    const value = env.get(name)?.trim();
    if (!value) return undefined;
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0) {
      throw new Error(`${name} must be a whole number, 0 or more; got "${value}"`);
    }
    return number;
  };
  return resolveProfile(env.get("EXPORTS_PROFILE"), {
    cpuSoftLimitMs: limit("EXPORTS_LIMIT_CPU_SOFT_MS"),
    cpuHardLimitMs: limit("EXPORTS_LIMIT_CPU_HARD_MS"),
    memoryLimitMb: limit("EXPORTS_LIMIT_MEMORY_MB"),
    wallClockLimitMs: limit("EXPORTS_LIMIT_WALL_CLOCK_MS"),
  });
}

/**
 * What the functions are told of their limits, as a project tells them with `supabase secrets
 * set` (the worker reads these; hosted, they default to the Free plan's).
 */
export function limitSecrets(limits: FunctionLimits): Record<string, string> {
  return {
    EXPORTS_WORKER_WALL_CLOCK_MS: String(limits.wallClockLimitMs),
    EXPORTS_WORKER_MEMORY_MB: String(limits.memoryLimitMb),
  };
}

/** One line that says what `profile` limits, for logs and benchmark reports. */
export function describeProfile(profile: Profile): string {
  const { cpuSoftLimitMs, cpuHardLimitMs, memoryLimitMb, wallClockLimitMs } = profile.functions;
  const limits = [
    cpuHardLimitMs ? `CPU ${cpuSoftLimitMs} ms soft, ${cpuHardLimitMs} ms hard` : "",
    memoryLimitMb ? `${memoryLimitMb} MiB memory` : "",
    wallClockLimitMs ? `${wallClockLimitMs / 1000} s wall clock` : "",
  ].filter(Boolean).join(", ");
  const storage = profile.storageFileSizeLimit / (1024 * 1024);
  return `${profile.name} (functions: ${limits || "no limits"}; ` +
    `Storage file size limit ${storage.toLocaleString("en-US")} MiB)`;
}
