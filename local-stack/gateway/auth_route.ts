// `/auth/v1/...`: the two Supabase Auth routes a server verifying its callers uses. The JWKS at
// `/.well-known/jwks.json` (what `auth.getClaims()` verifies asymmetric tokens with) and
// `GET /user` (what it falls back to for HS256 tokens, or a `kid` the JWKS lacks), with Auth's
// status codes and `{code, error_code, msg}` errors.
import type postgres from "postgres";
import { JwtError, verifyJwt } from "./jwt.ts";
import { bearerToken, type GatewayAuth } from "./request_claims.ts";

/** What the Auth routes need besides the request. */
export interface AuthContext {
  sql: postgres.Sql;
  auth: GatewayAuth;
}

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
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const [user] = typeof sub === "string" && uuid.test(sub)
    ? await context.sql`
        select id, aud, role, email, email_confirmed_at, phone,
               email_confirmed_at as confirmed_at, last_sign_in_at,
               raw_app_meta_data as app_metadata, raw_user_meta_data as user_metadata,
               created_at, updated_at, is_anonymous
          from auth.users
         where id = ${sub}
      `
    : [];
  if (!user) {
    return authError(403, "user_not_found", "User from sub claim in JWT does not exist");
  }
  return Response.json({ ...user, phone: user.phone ?? "", identities: [] });
}

function authError(code: number, errorCode: string, msg: string): Response {
  return Response.json({ code, error_code: errorCode, msg }, { status: code });
}
