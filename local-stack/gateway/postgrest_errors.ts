// PostgREST's error answers: the body `{code, details, hint, message}` and its SQLSTATE -> HTTP
// status table (docs.postgrest.org, "Errors"), so supabase-js sees what PostgREST would send.

/** A PostgREST error body. */
export interface PostgrestErrorBody {
  code: string;
  details: string | null;
  hint: string | null;
  message: string;
}

/**
 * The HTTP status PostgREST answers a SQLSTATE with; `authenticated` is "the JWT was not anon",
 * `message` the error's message (PostgREST reads it for a JWT role that does not exist).
 */
export function httpStatusForSqlState(code: string, authenticated: boolean, message = ""): number {
  const custom = code.match(/^PT(\d{3})$/);
  if (custom) return Number(custom[1]);
  if (code === "22023" && /^role .* does not exist$/.test(message)) return 401;
  const exact: Record<string, number> = {
    "23503": 409,
    "23505": 409,
    "25006": 405,
    "53400": 500,
    "P0001": 400,
    "42883": 404,
    "42P01": 404,
    "42P17": 500,
    "42501": authenticated ? 403 : 401,
    "57P01": 503,
  };
  if (code in exact) return exact[code];
  const byClass: Record<string, number> = {
    "08": 503,
    "09": 500,
    "0L": 403,
    "0P": 403,
    "25": 500,
    "28": 403,
    "2D": 500,
    "38": 500,
    "39": 500,
    "3B": 500,
    "40": 500,
    "53": 503,
    "54": 500,
    "55": 500,
    "57": 500,
    "58": 500,
    "F0": 500,
    "HV": 500,
    "P0": 500,
    "XX": 500,
  };
  return byClass[code.slice(0, 2)] ?? 400;
}

/** A JSON response in PostgREST's error shape; a 401 names the scheme, as PostgREST's do. */
export function postgrestError(status: number, body: PostgrestErrorBody): Response {
  const response = Response.json(body, { status });
  if (status === 401) response.headers.set("WWW-Authenticate", "Bearer");
  return response;
}

// postgres.js's codes for a connection it could not open or lost, and
// Postgres's "cannot connect now" (starting up or shutting down).
const connectionFailures = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "57P03",
]);

/**
 * PostgREST's 503 when the database cannot be reached (PGRST000) or a connection broke during
 * the request (PGRST001), or null when `error` is not a connection failure.
 */
export function connectionFailure(error: unknown): Response | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !connectionFailures.has(code)) return null;
  const lost = code.startsWith("CONNECTION_") || code === "ECONNRESET" || code === "EPIPE";
  return postgrestError(503, {
    code: lost ? "PGRST001" : "PGRST000",
    details: error instanceof Error ? error.message : null,
    hint: null,
    message: lost
      ? "Database client error. Retrying the connection."
      : "Database connection error. Retrying the connection.",
  });
}
