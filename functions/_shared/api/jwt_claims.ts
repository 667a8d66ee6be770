// Reads the claims of the bearer token a request carries, without verifying
// it: the API reads them only to word its answer to a refusal that PostgREST,
// which does verify the token, has already made.

/** The claims of the request's bearer JWT, unverified; null when it carries none that parse. */
export function jwtClaims(request: Request): Record<string, unknown> | null {
  const token = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const payload = token?.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replaceAll("-", "+").replaceAll("_", "/"));
    const claims = JSON.parse(json);
    return typeof claims === "object" && claims !== null && !Array.isArray(claims) ? claims : null;
  } catch {
    return null;
  }
}
