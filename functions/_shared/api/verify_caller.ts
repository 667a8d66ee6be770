// Who is calling the exports API, verified before any RPC runs: the user JWT in
// `Authorization: Bearer`, checked by supabase-js `auth.getClaims()` (against the JWKS for
// asymmetric tokens, by asking Auth's `/user` for HS256 ones). The function runs with
// `verify_jwt = false`, as Supabase recommends for functions called with today's API keys, so
// this is the only check in front of the API.
import type { SupabaseClient } from "@supabase/supabase-js";

type GetClaimsOptions = NonNullable<Parameters<SupabaseClient["auth"]["getClaims"]>[1]>;
import { errorResponse, serviceUnavailable } from "./http_errors.ts";

/** A verified caller: the bearer token and its claims. */
export interface VerifiedCaller {
  token: string;
  claims: Record<string, unknown> & { sub: string };
}

/** What verification needs: an Auth client and, when the platform gives one, the JWKS. */
export interface CallerVerifier {
  auth: SupabaseClient["auth"];
  /** SUPABASE_JWKS, parsed: saves fetching the JWKS for the project's own keys. */
  jwks?: GetClaimsOptions["jwks"];
}

/**
 * Verifies the request's bearer token. Answers the API's 401 `not_signed_in` for a request
 * without one (or with an API key there, which names no user), and for a token that is expired,
 * unsigned, signed by a key the JWKS lacks, or names no user. Answers 503 `service_unavailable`
 * when Auth cannot be reached, so that an outage reads as one rather than as a sign-in prompt.
 */
export async function verifyCaller(
  request: Request,
  verifier: CallerVerifier,
): Promise<VerifiedCaller | Response> {
  const token = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token || token.startsWith("sb_")) {
    return errorResponse(401, "not_signed_in", "Sign in to use exports: no user is signed in.");
  }
  let result;
  try {
    result = await verifier.auth.getClaims(token, verifier.jwks ? { jwks: verifier.jwks } : {});
  } catch {
    // getClaims throws, rather than returning an error, for a token it cannot decode or whose
    // algorithm it does not know (`none` among them): such a token names nobody.
    result = { data: null, error: null };
  }
  const { data, error } = result;
  if (error && (error.name === "AuthRetryableFetchError" || (error.status ?? 0) >= 500)) {
    console.error("exports API: Auth could not verify the caller", error);
    return serviceUnavailable();
  }
  const claims: Record<string, unknown> | undefined = data?.claims;
  if (!claims || typeof claims.sub !== "string" || claims.sub === "") {
    return errorResponse(401, "not_signed_in", "Sign in again: the session is missing or expired.");
  }
  return { token, claims: claims as VerifiedCaller["claims"] };
}
