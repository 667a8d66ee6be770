// PostgREST's error answers: the body `{code, details, hint, message}` and its SQLSTATE -> HTTP
// status table (docs.postgrest.org, "Errors"), so supabase-js sees what PostgREST would send.

/** A PostgREST error body. */
export interface PostgrestErrorBody {
  code: string;
  details: string | null;
  hint: string | null;
  message: string;
}

/** The HTTP status PostgREST answers a SQLSTATE with; `authenticated` is "the JWT was not anon". */
export function httpStatusForSqlState(code: string, authenticated: boolean): number {
  const custom = code.match(/^PT(\d{3})$/);
  if (custom) return Number(custom[1]);
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

/** A JSON response in PostgREST's error shape. */
export function postgrestError(status: number, body: PostgrestErrorBody): Response {
  return Response.json(body, { status });
}
