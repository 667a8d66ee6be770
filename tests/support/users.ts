// Test users on the local stack: an auth.users row and an access token, in one call.
import postgres from "postgres";
import { ensureUser, type LocalUser, mintUserJwt } from "../../local-stack/gateway/users.ts";
import { loadProjectKeys } from "../../local-stack/gateway/signing_keys.ts";
import { stackEnv } from "./env.ts";

/**
 * Which platform a test user lives on: `new` (the default) signs their token with the project's
 * ES256 key and has their clients send the publishable key, as a project created today does;
 * `legacy` signs it with the HS256 JWT secret and sends the legacy anon key.
 */
export type KeyStyle = "new" | "legacy";

/** A local user, a token for it, and the keys its clients send. */
export interface TestUser extends LocalUser {
  token: string;
  keys: KeyStyle;
}

/** Creates (or finds) the user with `email` and mints a token valid for `expiresIn` seconds. */
export async function createTestUser(
  email = `user-${crypto.randomUUID()}@example.com`,
  expiresIn = 3600,
  keys: KeyStyle = "new",
): Promise<TestUser> {
  const env = stackEnv();
  const sql = postgres(env.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const user = await ensureUser(sql, email);
    const issuer = `${env.supabaseUrl}/auth/v1`;
    const token = keys === "legacy"
      ? await mintUserJwt(user, { secret: env.jwtSecret, expiresIn, issuer })
      : await mintUserJwt(user, { signingKey: await stackSigningKey(), expiresIn, issuer });
    return { ...user, token, keys };
  } finally {
    await sql.end();
  }
}

/** The local stack's ES256 signing key, which Supabase Auth would sign sessions with. */
export async function stackSigningKey() {
  const env = stackEnv();
  return (await loadProjectKeys(env.signingKey, env.jwtSecret)).signingKey;
}
