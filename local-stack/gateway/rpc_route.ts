// `/rest/v1/rpc/<function>`: a minimal, faithful emulation of PostgREST's RPC for POST with named
// arguments in a JSON object. Like PostgREST it verifies the JWT (or the one minted for an API
// key), then in one transaction switches
// to the JWT's role, publishes the claims as `request.jwt.claims`, and calls the function with
// the arguments read from the JSON body by json_to_record, so values never enter the SQL text.
import type postgres from "postgres";
import type { GatewayConfig } from "./config.ts";
import { type JwtClaims, JwtError } from "./jwt.ts";
import { type GatewayAuth, requestCaller } from "./request_claims.ts";
import { connectionFailure, httpStatusForSqlState, postgrestError } from "./postgrest_errors.ts";
import type { RpcFunction, SchemaCache } from "./schema_cache.ts";

/** What an RPC call needs besides the request. */
export interface RpcContext {
  sql: postgres.Sql;
  functions: SchemaCache;
  config: GatewayConfig;
  auth: GatewayAuth;
}

const anonRole = "anon";

/** Answers `POST /rest/v1/rpc/<fn>`; PostgREST's 503 when the database cannot be reached. */
export async function handleRpc(
  request: Request,
  path: string,
  context: RpcContext,
): Promise<Response> {
  try {
    return await answerRpc(request, path, context);
  } catch (error) {
    const refusal = connectionFailure(error);
    if (refusal) return refusal;
    throw error;
  }
}

async function answerRpc(request: Request, path: string, context: RpcContext) {
  const name = decodeURIComponent(path.slice("/rest/v1/rpc/".length));
  if (request.method !== "POST") {
    return postgrestError(405, {
      code: "PGRST117",
      details: null,
      hint: null,
      message: `Unsupported HTTP method: ${request.method}; the local gateway implements POST only`,
    });
  }
  let claims: JwtClaims;
  try {
    claims = (await requestCaller(request, context.auth))?.claims ?? { role: anonRole };
  } catch (error) {
    if (!(error instanceof JwtError)) throw error;
    const expired = error.reason === "expired";
    return postgrestError(401, {
      code: expired ? "PGRST303" : "PGRST301",
      details: null,
      hint: null,
      message: expired ? "JWT expired" : error.message,
    });
  }
  const schema = request.headers.get("content-profile") ?? context.config.schemas[0];
  if (!context.config.schemas.includes(schema)) {
    return postgrestError(406, {
      code: "PGRST106",
      details: null,
      hint: null,
      message: `The schema must be one of the following: ${context.config.schemas.join(", ")}`,
    });
  }
  let args: Record<string, unknown>;
  try {
    const text = await request.text();
    args = text.trim() === "" ? {} : JSON.parse(text);
    if (typeof args !== "object" || args === null || Array.isArray(args)) throw new Error();
  } catch {
    return postgrestError(400, {
      code: "PGRST102",
      details: null,
      hint: null,
      message: "The request body must be a JSON object of named arguments",
    });
  }
  const fn = await context.functions.find(schema, name, Object.keys(args));
  if (!fn) {
    const keys = Object.keys(args).sort().join(", ");
    return postgrestError(404, {
      code: "PGRST202",
      details: `Searched for the function ${schema}.${name} with parameters ${keys || "(none)"}` +
        ", but no matches were found in the schema cache.",
      hint: null,
      message: `Could not find the function ${schema}.${name}(${keys}) in the schema cache`,
    });
  }
  const role = typeof claims.role === "string" ? claims.role : anonRole;
  try {
    const body = await call(context, fn, args, { role, claims, schema, path: `/rpc/${name}` });
    if (fn.returns_void) return new Response(null, { status: 204 });
    return new Response(body, { headers: { "content-type": "application/json; charset=utf-8" } });
  } catch (error) {
    if (!isPostgresError(error) || connectionFailure(error)) throw error;
    return postgrestError(httpStatusForSqlState(error.code, role !== anonRole, error.message), {
      code: error.code,
      details: error.detail ?? null,
      hint: error.hint ?? null,
      message: error.message,
    });
  }
}

async function call(
  context: RpcContext,
  fn: RpcFunction,
  args: Record<string, unknown>,
  request: { role: string; claims: JwtClaims; schema: string; path: string },
): Promise<string> {
  const passed = fn.inputs.filter((input) => input.name in args);
  // Names and types come from the catalog, quoted by Postgres itself (quote_ident, format_type).
  const namedArguments = passed.map((input) =>
    `${input.quoted_name} => _args.${input.quoted_name}`
  );
  const recordColumns = passed.map((input) => `${input.quoted_name} ${input.type}`);
  const from = passed.length
    ? `json_to_record($1::text::json) as _args(${recordColumns.join(", ")}), `
    : "(select $1::text) as _unused, ";
  const call = `${fn.qualified_name}(${namedArguments.join(", ")}) as _result`;
  const body = fn.returns_void
    ? "null::text"
    : fn.returns_set
    ? "coalesce(json_agg(_result), '[]')::text"
    : "to_json(_result)::text";
  const select = `select ${body} as body from ${from}${call}`;
  const searchPath = [request.schema, ...context.config.extraSearchPath]
    .map((schema) => `"${schema.replaceAll('"', '""')}"`).join(", ");
  // The settings and the call go in one round trip (postgres.js pipelines the
  // queries a transaction's callback returns): if the settings fail, the
  // transaction is aborted and the call cannot run under another identity.
  const [, [row]] = await context.sql.begin((tx) => [
    tx`
      select set_config('role', ${request.role}, true),
             set_config('request.jwt.claims', ${JSON.stringify(request.claims)}, true),
             set_config('request.method', 'POST', true),
             set_config('request.path', ${request.path}, true),
             set_config('search_path', ${searchPath}, true)
    `,
    // Prepared, as PostgREST prepares its statements: the text is the same for
    // every call of a function with the same named arguments.
    tx.unsafe<{ body: string }[]>(select, [JSON.stringify(args)], { prepare: true }),
  ]) as [unknown, { body: string }[]];
  return row?.body ?? "null";
}

function isPostgresError(error: unknown): error is postgres.PostgresError {
  return error instanceof Error && error.name === "PostgresError";
}
