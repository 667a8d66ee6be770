// Reads the claims of the bearer token a request carries, without verifying
// it: callers read them only once the signature was verified (by the gateway
// with verify_jwt, or by PostgREST), to tell verified callers apart.

/** The `role` claim of the request's bearer JWT, or null when there is none. */
export function jwtRole(request: Request): string | null {
  const role = jwtClaims(request)?.role;
  return typeof role === "string" ? role : null;
}

/** The claims of the request's bearer JWT, unverified; null when it carries none that parse. */
export function jwtClaims(request: Request): Record<string, unknown> | null {
  const token = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const payload = token?.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replaceAll("-", "+").replaceAll("_", "/"));
    const claims = JSON.parse(json);
    return typeof claims === "object" && claims !== null ? claims : null;
  } catch {
    return null;
  }
}
