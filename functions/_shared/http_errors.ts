// Maps errors from the SQL core (SQLSTATE class EX) to HTTP answers with a
// stable JSON shape: {error: {code, message, details?}}.

/** The body of every error answer of the exports API. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

const statusBySqlstate: Record<string, [number, string]> = {
  EX001: [400, "unknown_source"],
  EX002: [400, "unknown_format"],
  EX003: [422, "format_not_offered"],
  EX004: [400, "invalid_options"],
  EX005: [403, "not_a_scope_member"],
  EX006: [400, "invalid_scope"],
  EX007: [409, "idempotency_key_reused"],
  EX008: [401, "not_signed_in"],
  EX010: [429, "too_many_active_exports"],
  EX011: [429, "daily_export_quota_reached"],
  EX012: [422, "too_many_rows"],
  EX020: [404, "export_not_found"],
  EX021: [409, "invalid_status"],
  EX022: [409, "nothing_to_download"],
};

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

/**
 * Answers a PostgREST error from an RPC. EX errors carry the SQL core's own
 * message (written for users); anything else is logged and answered 500.
 */
export function rpcErrorResponse(error: { code?: string; message?: string }): Response {
  const known = error.code ? statusBySqlstate[error.code] : undefined;
  if (known) return errorResponse(known[0], known[1], error.message ?? known[1]);
  if (error.code === "PGRST301" || error.code === "PGRST302") {
    return errorResponse(401, "not_signed_in", "Sign in again: the session is missing or expired.");
  }
  console.error("exports API: unexpected RPC error", error);
  return internalError();
}

/** The answer to anything unexpected: no internals. */
export function internalError(): Response {
  return errorResponse(500, "internal_error", "internal error");
}
