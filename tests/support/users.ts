// Test users on the local stack: an auth.users row and an access token, in one call.
import postgres from "postgres";
import { ensureUser, type LocalUser, mintUserJwt } from "../../local-stack/gateway/users.ts";
import { stackEnv } from "./env.ts";

/** A local user and a token for it. */
export interface TestUser extends LocalUser {
  token: string;
}

/** Creates (or finds) the user with `email` and mints a token valid for `expiresIn` seconds. */
export async function createTestUser(
  email = `user-${crypto.randomUUID()}@example.com`,
  expiresIn = 3600,
): Promise<TestUser> {
  const env = stackEnv();
  const sql = postgres(env.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const user = await ensureUser(sql, email);
    const token = await mintUserJwt(user, {
      secret: env.jwtSecret,
      expiresIn,
      issuer: `${env.supabaseUrl}/auth/v1`,
    });
    return { ...user, token };
  } finally {
    await sql.end();
  }
}
