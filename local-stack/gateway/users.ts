// Local test users: an auth.users row for an email, and a user JWT shaped like the access tokens
// Supabase Auth issues, signed with the project's ES256 signing key as Auth signs them today, or
// with the legacy JWT secret (HS256). Used by scripts/mint-jwt and tests.
import type postgres from "postgres";
import { nowSeconds, type SigningKey, signJwt, signJwtEs256 } from "./jwt.ts";

/** A local user as Supabase Auth would know it. */
export interface LocalUser {
  id: string;
  email: string;
}

/** The auth.users row for `email`, created (confirmed, role authenticated) when missing. */
export async function ensureUser(sql: postgres.Sql, email: string): Promise<LocalUser> {
  const [user] = await sql<LocalUser[]>`
    with existing as (
      select id, email from auth.users where email = ${email} order by created_at limit 1
    ), inserted as (
      insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data,
                              raw_user_meta_data)
      select gen_random_uuid(), 'authenticated', 'authenticated', ${email}, now(),
             '{"provider": "email", "providers": ["email"]}', '{}'
       where not exists (select from existing)
      returning id, email
    )
    select id, email from existing union all select id, email from inserted
  `;
  return user;
}

/**
 * What a minted token should say beyond the user, and what signs it: `signingKey` mints an
 * ES256 token, `secret` an HS256 one.
 */
export type MintOptions = {
  /** Seconds until it expires; negative mints an already expired token. Default 3600. */
  expiresIn?: number;
  /** The `iss` claim; Supabase Auth puts its own URL there. */
  issuer?: string;
} & ({ signingKey: SigningKey; secret?: never } | { secret: string; signingKey?: never });

/** An access token for `user` with the claims Supabase Auth puts in one. */
export async function mintUserJwt(user: LocalUser, options: MintOptions): Promise<string> {
  const iat = nowSeconds();
  const claims = {
    iss: options.issuer ?? "http://127.0.0.1:54321/auth/v1",
    sub: user.id,
    aud: "authenticated",
    exp: iat + (options.expiresIn ?? 3600),
    iat,
    email: user.email,
    phone: "",
    app_metadata: { provider: "email", providers: ["email"] },
    user_metadata: {},
    role: "authenticated",
    aal: "aal1",
    amr: [{ method: "password", timestamp: iat }],
    session_id: crypto.randomUUID(),
    is_anonymous: false,
  };
  return options.signingKey
    ? await signJwtEs256(claims, options.signingKey)
    : await signJwt(claims, options.secret);
}
