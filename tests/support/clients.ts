// supabase-js clients for tests: as a user, as anon, or as the service role, against any gateway,
// with today's keys (publishable, secret) or the legacy JWT ones.
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { stackEnv } from "./env.ts";
import type { KeyStyle } from "./users.ts";

/** A client on any schema (tests choose it per client). */
// deno-lint-ignore no-explicit-any
export type TestClient = SupabaseClient<any, string, string>;

/** Client options: another gateway URL, another schema for rpc(), the legacy keys. */
export interface ClientOptions {
  url?: string;
  schema?: string;
  /** `new` (default): the publishable or secret key; `legacy`: the anon or service-role JWT. */
  keys?: KeyStyle;
  /** The Phoenix serializer realtime-js asks for; its own default (2.0.0) when absent. */
  realtimeVsn?: "1.0.0" | "2.0.0";
}

/** A client that calls as the user whose access token is `token`. */
export function userClient(token: string, options: ClientOptions = {}): TestClient {
  return client(anonKey(options), options, token);
}

/** A client that calls with the publishable (or anon) key only. */
export function anonClient(options: ClientOptions = {}): TestClient {
  return client(anonKey(options), options);
}

/** A client that calls with the secret (or service-role) key: bypasses RLS. */
export function serviceClient(options: ClientOptions = {}): TestClient {
  const env = stackEnv();
  return client(options.keys === "legacy" ? env.serviceRoleKey : env.secretKey, options);
}

function anonKey(options: ClientOptions): string {
  const env = stackEnv();
  return options.keys === "legacy" ? env.anonKey : env.publishableKey;
}

function client(key: string, options: ClientOptions, token?: string): TestClient {
  // deno-lint-ignore no-explicit-any
  return createClient<any, string>(options.url ?? stackEnv().supabaseUrl, key, {
    // Tests hold no session: no storage, no refresh timers left behind for the sanitizers.
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    db: { schema: options.schema ?? "public" },
    global: token ? { headers: { Authorization: `Bearer ${token}` } } : {},
    ...(options.realtimeVsn ? { realtime: { vsn: options.realtimeVsn } } : {}),
  });
}
