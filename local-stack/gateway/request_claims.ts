// Who is calling: the JWT a request carries (Authorization: Bearer, else apikey), verified.
import { type JwtClaims, verifyJwt } from "./jwt.ts";

/** The caller's token and its verified claims; a request without a token gets `null`. */
export interface Caller {
  token: string;
  claims: JwtClaims;
}

/** The bearer token of `Authorization`, else the `apikey` header, else null. */
export function requestToken(request: Request): string | null {
  const authorization = request.headers.get("authorization");
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer ?? request.headers.get("apikey");
}

/** Verifies the request's token; null when it carries none. Throws JwtError when it is invalid. */
export async function requestCaller(request: Request, secret: string): Promise<Caller | null> {
  const token = requestToken(request);
  if (token === null) return null;
  return { token, claims: await verifyJwt(token, secret) };
}
