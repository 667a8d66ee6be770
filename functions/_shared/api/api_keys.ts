// The project's API keys as the platform hands them to functions: today's publishable and secret
// keys in SUPABASE_PUBLISHABLE_KEYS / SUPABASE_SECRET_KEYS (JSON objects of keys by name), else
// the legacy anon and service-role JWTs.

/** Reads one environment variable; `Deno.env.get` in functions, a map in tests. */
export type EnvReader = (name: string) => string | undefined;

/** The key the API calls PostgREST with on a user's behalf: publishable, else legacy anon. */
export function publishableKey(env: EnvReader): string {
  return namedKey(env, "SUPABASE_PUBLISHABLE_KEYS") ?? required(env, "SUPABASE_ANON_KEY");
}

/** The key that acts as the service role: secret, else legacy service-role. */
export function secretKey(env: EnvReader): string {
  return namedKey(env, "SUPABASE_SECRET_KEYS") ?? required(env, "SUPABASE_SERVICE_ROLE_KEY");
}

/** The `default` key of a JSON object of keys by name, else its first; undefined when unset. */
function namedKey(env: EnvReader, name: string): string | undefined {
  const text = env(name);
  if (!text) return undefined;
  const keys: unknown = JSON.parse(text);
  if (typeof keys !== "object" || keys === null) throw new Error(`${name} is not a JSON object`);
  const values = keys as Record<string, unknown>;
  const key = values.default ?? Object.values(values)[0];
  if (typeof key !== "string") throw new Error(`${name} holds no key`);
  return key;
}

function required(env: EnvReader, name: string): string {
  const value = env(name);
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
