// Who is calling: the JWT a request carries, or the one the gateway mints for its API key.
// Like the hosted API gateway, a publishable key (`sb_publishable_…`) or secret key (`sb_secret_…`)
// is replaced by a short-lived JWT for the anon or service_role role, signed with the project's
// signing key; a user JWT in `Authorization` takes precedence over any key in `apikey`, and a new
// key sent as a bearer token (supabase-js does, for REST and Storage) counts as the key itself.
import { type JwtClaims, nowSeconds, signJwtEs256, verifyJwt } from "./jwt.ts";
import type { ProjectKeys } from "./signing_keys.ts";

/** The caller's token and its verified claims; a request without a token gets `null`. */
export interface Caller {
  token: string;
  claims: JwtClaims;
}

/** The project's keys as the gateway checks them. */
export interface GatewayAuth {
  keys: ProjectKeys;
  publishableKey: string;
  secretKey: string;
  /** The `iss` of the JWTs the gateway mints: the project's Auth URL. */
  issuer: string;
}

/** An `sb_…` key that is not one of the project's; hosted answers 401 "Invalid API key". */
export class ApiKeyError extends Error {
  constructor() {
    super("Invalid API key");
    this.name = "ApiKeyError";
  }
}

/** How long a JWT minted for an API key lives: one request's worth, as hosted mints them. */
const mintedLifetimeSeconds = 60;

/** The bearer token of `Authorization`, else null. */
export function bearerToken(request: Request): string | null {
  return request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? null;
}

/** True for a new-style API key rather than a JWT. */
export function isApiKey(token: string): boolean {
  return token.startsWith("sb_");
}

/**
 * Verifies the request's credentials; null when it carries none. Throws JwtError for an invalid
 * JWT and ApiKeyError for an `sb_…` key the project does not have.
 */
export async function requestCaller(request: Request, auth: GatewayAuth): Promise<Caller | null> {
  const apikey = request.headers.get("apikey");
  const bearer = bearerToken(request);
  for (const token of [apikey, bearer]) {
    if (token !== null && isApiKey(token) && roleOfKey(token, auth) === null) {
      throw new ApiKeyError();
    }
  }
  if (bearer !== null && !isApiKey(bearer)) {
    return { token: bearer, claims: await verifyJwt(bearer, auth.keys.verification) };
  }
  const key = apikey ?? bearer;
  if (key === null) return null;
  const role = roleOfKey(key, auth);
  if (role === null) return { token: key, claims: await verifyJwt(key, auth.keys.verification) };
  const iat = nowSeconds();
  const claims = { iss: auth.issuer, role, iat, exp: iat + mintedLifetimeSeconds };
  return { token: await signJwtEs256(claims, auth.keys.signingKey), claims };
}

/** The role an `sb_…` key stands for; null for a JWT or a key the project does not have. */
function roleOfKey(key: string, auth: GatewayAuth): "anon" | "service_role" | null {
  if (key === auth.secretKey) return "service_role";
  if (key === auth.publishableKey) return "anon";
  return null;
}
