// The local stack's settings as scripts/lib/env.sh exports them, for Deno tests that talk to it.

/** SUPABASE_* values of the running local stack. */
export interface StackEnv {
  databaseUrl: string;
  supabaseUrl: string;
  jwtSecret: string;
  /** The legacy anon key, a JWT. */
  anonKey: string;
  /** The legacy service-role key, a JWT. */
  serviceRoleKey: string;
  /** `sb_publishable_…`: the anon role. */
  publishableKey: string;
  /** `sb_secret_…`: the service role. */
  secretKey: string;
  /** The ES256 signing key, a private JWK (JSON). */
  signingKey: string;
  /** EXPORTS_WAKE_SECRET: wakes the worker and nothing else. */
  wakeSecret: string;
}

/** Reads the stack's environment; throws a clear error when the tests run without it. */
export function stackEnv(): StackEnv {
  const read = (name: string): string => {
    const value = Deno.env.get(name);
    if (!value) {
      throw new Error(
        `${name} is not set: run the tests with scripts/test, or source scripts/lib/env.sh`,
      );
    }
    return value;
  };
  return {
    databaseUrl: read("SUPABASE_DB_URL"),
    supabaseUrl: read("SUPABASE_URL"),
    jwtSecret: read("SUPABASE_JWT_SECRET"),
    anonKey: read("SUPABASE_ANON_KEY"),
    serviceRoleKey: read("SUPABASE_SERVICE_ROLE_KEY"),
    publishableKey: read("SUPABASE_PUBLISHABLE_KEY"),
    secretKey: read("SUPABASE_SECRET_KEY"),
    signingKey: read("LOCAL_JWT_SIGNING_KEY"),
    wakeSecret: read("EXPORTS_WAKE_SECRET"),
  };
}
