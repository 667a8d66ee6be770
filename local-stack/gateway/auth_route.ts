// `/auth/v1/...`: the Supabase Auth routes a server verifying its callers uses and a browser app
// signs in with. The JWKS at `/.well-known/jwks.json` (what `auth.getClaims()` verifies asymmetric
// tokens with), `GET /user` (what it falls back to for HS256 tokens, or a `kid` the JWKS lacks),
// and `POST /token` (password and refresh-token grants) and `/logout` for `signInWithPassword`,
// with Auth's status codes and `{code, error_code, msg}` errors.
import type postgres from "postgres";
import { JwtError, type SigningKey, verifyJwt } from "./jwt.ts";
import { bearerToken, type GatewayAuth } from "./request_claims.ts";
import { mintUserJwt } from "./users.ts";

/** What the Auth routes need besides the request. */
export interface AuthContext {
  sql: postgres.Sql;
  auth: GatewayAuth;
  /** Signs the sessions `/token` hands out, as Auth signs them today. */
  signingKey: SigningKey;
  /** Refresh token → user id, for this gateway's life: sessions are not stored. */
  refreshTokens: Map<string, string>;
}

/** Seconds a session's access token lives: `jwt_expiry` of supabase/config.toml. */
const sessionSeconds = 3600;

/** Answers a request whose path starts with `/auth/v1/`. */
export async function handleAuth(
  request: Request,
  path: string,
  context: AuthContext,
): Promise<Response> {
  const route = path.slice("/auth/v1".length);
  if (request.method === "GET" && route === "/.well-known/jwks.json") {
    return Response.json(context.auth.keys.jwks, {
      headers: { "cache-control": "public, max-age=600" },
    });
  }
  if (request.method === "GET" && route === "/user") return await getUser(request, context);
  if (request.method === "POST" && route === "/token") return await token(request, context);
  if (request.method === "POST" && route === "/logout") return await logout(request, context);
  return authError(404, "not_found", `${path} is not served by the local gateway`);
}

async function getUser(request: Request, context: AuthContext): Promise<Response> {
  const token = bearerToken(request);
  if (token === null) {
    return authError(401, "no_authorization", "This endpoint requires a valid Bearer token");
  }
  let sub: unknown;
  try {
    ({ sub } = await verifyJwt(token, context.auth.keys.verification));
  } catch (error) {
    if (!(error instanceof JwtError)) throw error;
    return authError(
      403,
      "bad_jwt",
      error.reason === "expired"
        ? "invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired"
        : `invalid JWT: unable to parse or verify signature, ${error.message}`,
    );
  }
  const user = await userById(context.sql, sub);
  if (!user) {
    return authError(403, "user_not_found", "User from sub claim in JWT does not exist");
  }
  return Response.json(user);
}

/** The auth.users row of `id` as Auth answers it, or null. */
async function userById(sql: postgres.Sql, id: unknown): Promise<Record<string, unknown> | null> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const [user] = typeof id === "string" && uuid.test(id)
    ? await sql`
        select id, aud, role, email, email_confirmed_at, phone,
               email_confirmed_at as confirmed_at, last_sign_in_at,
               raw_app_meta_data as app_metadata, raw_user_meta_data as user_metadata,
               created_at, updated_at, is_anonymous
          from auth.users
         where id = ${id}
      `
    : [];
  return user ? { ...user, phone: user.phone ?? "", identities: [] } : null;
}

/** `POST /token?grant_type=password|refresh_token`: a new session, as GoTrue shapes it. */
async function token(request: Request, context: AuthContext): Promise<Response> {
  const grant = new URL(request.url).searchParams.get("grant_type");
  const body = await request.json().catch(() => null);
  if (body === null || typeof body !== "object") {
    return authError(400, "bad_json", "Could not parse request body as JSON");
  }
  if (grant === "password") {
    const { email, password } = body as { email?: unknown; password?: unknown };
    if (typeof email !== "string" || typeof password !== "string") {
      return authError(
        400,
        "validation_failed",
        "Only an email address or phone number should be provided on login.",
      );
    }
    // crypt() reads the bcrypt hash Auth stores and hashes the attempt with its salt.
    const [row] = await context.sql`
      update auth.users set last_sign_in_at = now()
       where email = ${email.toLowerCase()} and deleted_at is null
         and encrypted_password is not null
         and encrypted_password = extensions.crypt(${password}, encrypted_password)
      returning id
    `;
    if (!row) return authError(400, "invalid_credentials", "Invalid login credentials");
    return await session(row.id, context);
  }
  if (grant === "refresh_token") {
    const { refresh_token: refreshToken } = body as { refresh_token?: unknown };
    const userId = typeof refreshToken === "string"
      ? context.refreshTokens.get(refreshToken)
      : undefined;
    if (!userId) {
      return authError(
        400,
        "refresh_token_not_found",
        "Invalid Refresh Token: Refresh Token Not Found",
      );
    }
    // Auth rotates refresh tokens: each is good for one refresh.
    context.refreshTokens.delete(refreshToken as string);
    return await session(userId, context);
  }
  return authError(400, "unsupported_grant_type", "unsupported_grant_type");
}

async function session(userId: string, context: AuthContext): Promise<Response> {
  const user = await userById(context.sql, userId);
  if (!user) return authError(400, "invalid_credentials", "Invalid login credentials");
  const accessToken = await mintUserJwt({ id: userId, email: String(user.email) }, {
    signingKey: context.signingKey,
    expiresIn: sessionSeconds,
    issuer: context.auth.issuer,
  });
  const refreshToken = crypto.randomUUID().replaceAll("-", "");
  context.refreshTokens.set(refreshToken, userId);
  return Response.json({
    access_token: accessToken,
    token_type: "bearer",
    expires_in: sessionSeconds,
    expires_at: Math.floor(Date.now() / 1000) + sessionSeconds,
    refresh_token: refreshToken,
    user,
  });
}

/** `POST /logout`: forgets the caller's refresh tokens; access tokens live until they expire. */
async function logout(request: Request, context: AuthContext): Promise<Response> {
  const bearer = bearerToken(request);
  if (bearer === null) {
    return authError(401, "no_authorization", "This endpoint requires a valid Bearer token");
  }
  try {
    const { sub } = await verifyJwt(bearer, context.auth.keys.verification);
    for (const [refreshToken, userId] of context.refreshTokens) {
      if (userId === sub) context.refreshTokens.delete(refreshToken);
    }
  } catch (error) {
    if (!(error instanceof JwtError)) throw error;
  }
  return new Response(null, { status: 204 });
}

function authError(code: number, errorCode: string, msg: string): Response {
  return Response.json({ code, error_code: errorCode, msg }, { status: code });
}
