// Reads the role claim of the bearer token a request carries. The gateway has
// already verified the signature (verify_jwt = true); this only decides who
// among verified callers may use an endpoint.

/** The `role` claim of the request's bearer JWT, or null when there is none. */
export function jwtRole(request: Request): string | null {
  const token = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const payload = token?.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replaceAll("-", "+").replaceAll("_", "/"));
    const role = JSON.parse(json).role;
    return typeof role === "string" ? role : null;
  } catch {
    return null;
  }
}
