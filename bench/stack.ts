// The benchmark's view of its local stack: where it is, the keys it uses, and
// the identities (the bench user, the service role) measurements act as.
import postgres from "postgres";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { signJwtEs256 } from "../local-stack/gateway/jwt.ts";
import { loadProjectKeys } from "../local-stack/gateway/signing_keys.ts";

/** The user whose large data set the exports read (bench/seed/users.sql). */
export const largeUserId = "00000000-0000-4000-8000-00000000be00";

/** The user whose small data set the memory comparison reads. */
export const smallUserId = "00000000-0000-4000-8000-00000000be01";

/** The id of other user n (n >= 1), as bench.user_id(n) in bench/seed/helpers.sql makes it. */
export function otherUserId(n: number): string {
  return `00000000-0000-4000-9000-${n.toString(16).padStart(12, "0")}`;
}

/** A user's JWT claims, as Supabase Auth would issue them. */
export function claimsOf(userId: string): Record<string, unknown> & { sub: string } {
  return { sub: userId, role: "authenticated", aud: "authenticated" };
}

/** Connection details of the stack, from the environment scripts/lib/env.sh exports. */
export interface Stack {
  dbUrl: string;
  apiUrl: string;
  /** `sb_publishable_…`, the key a client app sends. */
  publishableKey: string;
  /** The ES256 signing key as a private JWK (JSON), which signs users' access tokens. */
  signingKey: string;
  jwtSecret: string;
}

/** Reads the stack's details; fails clearly when bench/main.ts runs outside bench/run. */
export function stackFromEnv(): Stack {
  const read = (name: string) => {
    const value = Deno.env.get(name);
    if (!value) throw new Error(`${name} is not set: run the benchmarks with bench/run`);
    return value;
  };
  return {
    dbUrl: read("SUPABASE_DB_URL"),
    apiUrl: read("SUPABASE_URL"),
    publishableKey: read("SUPABASE_PUBLISHABLE_KEY"),
    signingKey: read("LOCAL_JWT_SIGNING_KEY"),
    jwtSecret: read("SUPABASE_JWT_SECRET"),
  };
}

/** A postgres.js pool on the stack's database as its superuser (the worker's connection). */
export function serviceSql(stack: Stack, max = 4): postgres.Sql {
  return postgres(stack.dbUrl, { max, onnotice: () => {} });
}

/** The access token of a user, signed with ES256 like Supabase Auth's today, valid for an hour. */
export async function userToken(stack: Stack, claims: Record<string, unknown>): Promise<string> {
  const { signingKey } = await loadProjectKeys(stack.signingKey, stack.jwtSecret);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return await signJwtEs256({ iss: `${stack.apiUrl}/auth/v1`, ...claims, exp }, signingKey);
}

/** A supabase-js client signed in as a user, the way a client app calls the module. */
export async function userClient(
  stack: Stack,
  claims: Record<string, unknown>,
): Promise<SupabaseClient> {
  const token = await userToken(stack, claims);
  return createClient(stack.apiUrl, stack.publishableKey, {
    global: { headers: { Authorization: `Bearer ${token}` } },
    auth: { persistSession: false, autoRefreshToken: false },
  });
}
