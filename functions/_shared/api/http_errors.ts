// Maps errors from the SQL core (SQLSTATE class EX) and from PostgREST to HTTP
// answers with a stable JSON shape: {error: {code, message, details?}}.

/** The body of every error answer of the exports API. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** How the exports API answers one SQLSTATE: an HTTP status and a stable code. */
export interface SqlstateAnswer {
  status: number;
  code: string;
}

/**
 * The answer to each SQLSTATE of class EX. exports.error_codes lists the same
 * pairs as (http_status, name); tests/functions/exports_api_error_codes_test.ts
 * compares the two so that they cannot drift apart.
 */
export const sqlstateAnswers: Readonly<Record<string, SqlstateAnswer>> = {
  EX001: { status: 400, code: "unknown_source" },
  EX002: { status: 400, code: "unknown_format" },
  EX003: { status: 422, code: "format_not_offered" },
  EX004: { status: 400, code: "invalid_options" },
  EX005: { status: 403, code: "not_a_scope_member" },
  EX006: { status: 400, code: "invalid_scope" },
  EX007: { status: 409, code: "idempotency_key_reused" },
  EX008: { status: 401, code: "not_signed_in" },
  EX009: { status: 401, code: "unknown_user" },
  EX010: { status: 429, code: "too_many_active_exports" },
  EX011: { status: 429, code: "daily_export_quota_reached" },
  EX012: { status: 422, code: "too_many_rows" },
  EX013: { status: 403, code: "storage_quota_exceeded" },
  EX014: { status: 400, code: "invalid_part_size" },
  EX020: { status: 404, code: "export_not_found" },
  EX021: { status: 409, code: "invalid_status" },
  EX022: { status: 409, code: "nothing_to_download" },
  EX030: { status: 500, code: "invalid_source" },
};

/**
 * The codes of the API's own refusals, beside those of sqlstateAnswers;
 * ARCHITECTURE.md's section on the exports API names each of them.
 */
export const apiRefusalCodes: readonly string[] = [
  "invalid_request",
  "invalid_json",
  "request_too_large",
  "not_signed_in",
  "user_token_required",
  "export_not_found",
  "unknown_route",
  "method_not_allowed",
  "service_unavailable",
  "internal_error",
];

// PostgREST's refusals of the caller's JWT: PGRST301 (invalid; also expired
// before PostgREST 13), PGRST302 (no JWT while anonymous access is off) and
// PGRST303 (claims refused, "JWT expired" since PostgREST 13 and in the local
// gateway).
const sessionRefusals = new Set(["PGRST301", "PGRST302", "PGRST303"]);

/** How long a client waits before it tries again after a 503, in seconds. */
export const retryAfterSeconds = 5;

/** An error answer: status, code and a message a person can act on. */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  details?: unknown,
): Response {
  const body: ErrorBody = {
    error: { code, message, ...(details === undefined ? {} : { details }) },
  };
  return Response.json(body, { status });
}

/** The `role` and `sub` claims of the caller's token, as far as it has them. */
export interface CallerClaims {
  role?: unknown;
  sub?: unknown;
}

const uuidText = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Answers a PostgREST error from an RPC, given the HTTP status PostgREST sent
 * with it and the claims of the caller's token (PostgREST verified them unless
 * it answered with a JWT error). EX errors carry the SQL core's own message
 * (written for users); anything unforeseen is logged and answered 500.
 */
export function rpcErrorResponse(
  error: { code?: string; message?: string },
  httpStatus: number,
  caller: CallerClaims = {},
): Response {
  const known = error.code && Object.hasOwn(sqlstateAnswers, error.code)
    ? sqlstateAnswers[error.code]
    : undefined;
  if (known && known.status < 500) {
    return errorResponse(known.status, known.code, error.message ?? known.code);
  }
  if (known) {
    // A developer's error (EX030): its message names functions, so it stays in the log.
    console.error("exports API: RPC failed with a server-side error", error);
    return errorResponse(known.status, known.code, "internal error");
  }
  if (error.code && sessionRefusals.has(error.code)) {
    return errorResponse(401, "not_signed_in", "Sign in again: the session is missing or expired.");
  }
  // PostgREST's 401 for a verified token whose role claim names no database role.
  if (error.code === "22023" && httpStatus === 401) {
    return errorResponse(
      401,
      "not_signed_in",
      "Sign in again: the access token's role is not one this project has.",
    );
  }
  // auth.uid() cannot read a sub that is no UUID: where a query reads it
  // before exports._require_user can refuse the caller (EX009), the same answer.
  if (
    error.code === "22P02" && typeof caller.sub === "string" && !uuidText.test(caller.sub)
  ) {
    return errorResponse(401, "unknown_user", "the access token's subject is not a user id");
  }
  if (error.code === "42501") {
    // The RPCs are granted to authenticated only, so a caller with just the
    // anon key is refused with 42501, which PostgREST answers 401.
    if (httpStatus === 401) {
      return errorResponse(401, "not_signed_in", "Sign in to use exports: no user is signed in.");
    }
    // A verified token of another role (the service-role key): the API acts
    // for users only. For authenticated itself it is a missing grant: a 500.
    if (typeof caller.role === "string" && caller.role !== "authenticated") {
      return errorResponse(
        403,
        "user_token_required",
        "The exports API acts for a signed-in user: send a user's access token, not a key.",
      );
    }
  }
  // PostgREST's answers when it cannot reach the database (PGRST000, PGRST001,
  // a connection error's SQLSTATE) or get a connection in time (PGRST003, 504).
  if (httpStatus === 503 || httpStatus === 504) {
    console.error("exports API: the database is unavailable", error);
    return serviceUnavailable();
  }
  console.error("exports API: unexpected RPC error", error);
  return internalError();
}

/** The answer while the database cannot be reached: try again shortly. */
export function serviceUnavailable(): Response {
  const response = errorResponse(
    503,
    "service_unavailable",
    "Exports are unavailable for a moment: try again shortly.",
  );
  response.headers.set("Retry-After", String(retryAfterSeconds));
  return response;
}

/** The answer to anything unexpected: no internals. */
export function internalError(): Response {
  return errorResponse(500, "internal_error", "internal error");
}
