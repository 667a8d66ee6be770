// supabase-js clients for tests: as a user, as anon, or as the service role, against any gateway.
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { stackEnv } from "./env.ts";

/** A client on any schema (tests choose it per client). */
// deno-lint-ignore no-explicit-any
export type TestClient = SupabaseClient<any, string, string>;

/** Client options: another gateway URL, another schema for rpc(). */
export interface ClientOptions {
  url?: string;
  schema?: string;
}

/** A client that calls as the user whose access token is `token`. */
export function userClient(token: string, options: ClientOptions = {}): TestClient {
  return client(stackEnv().anonKey, options, token);
}

/** A client that calls with the anon key only. */
export function anonClient(options: ClientOptions = {}): TestClient {
  return client(stackEnv().anonKey, options);
}

/** A client that calls with the service-role key (bypasses RLS). */
export function serviceClient(options: ClientOptions = {}): TestClient {
  return client(stackEnv().serviceRoleKey, options);
}

function client(key: string, options: ClientOptions, token?: string): TestClient {
  // deno-lint-ignore no-explicit-any
  return createClient<any, string>(options.url ?? stackEnv().supabaseUrl, key, {
    // Tests hold no session: no storage, no refresh timers left behind for the sanitizers.
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    db: { schema: options.schema ?? "public" },
    global: token ? { headers: { Authorization: `Bearer ${token}` } } : {},
  });
}
