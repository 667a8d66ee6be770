// The exports API for client apps (supabase.functions.invoke('exports')):
// create, list, get, cancel, delete and link. It verifies the caller's JWT
// itself, then calls the public RPCs as the caller, so RLS and the SQL core
// decide everything about visibility.
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import {
  createExportInput,
  exportId,
  fieldIssues,
  linkInput,
  listExportsInput,
} from "../_shared/api/api_input.ts";
import { publishableKey, secretKey } from "../_shared/api/api_keys.ts";
import { errorResponse, internalError, rpcErrorResponse } from "../_shared/api/http_errors.ts";
import type { Database } from "../_shared/api/database_types.ts";
import { type CallerVerifier, verifyCaller } from "../_shared/api/verify_caller.ts";

const env = (name: string) => Deno.env.get(name);
const supabaseUrl = env("SUPABASE_URL")!;
const clientKey = publishableKey(env);
const clientOptions = { auth: { persistSession: false, autoRefreshToken: false } };
const service = createClient(supabaseUrl, secretKey(env), clientOptions);
const jwks = env("SUPABASE_JWKS");
const verifier: CallerVerifier = {
  auth: createClient(supabaseUrl, clientKey, clientOptions).auth,
  jwks: jwks ? JSON.parse(jwks) : undefined,
};

/**
 * A client that acts as the verified caller: PostgREST checks their JWT again on every RPC, and
 * RLS and the SQL core decide what they may see.
 */
function asCaller(token: string): SupabaseClient<Database> {
  return createClient<Database>(supabaseUrl, clientKey, {
    ...clientOptions,
    global: { headers: { Authorization: `Bearer ${token}` } },
  });
}

/**
 * Wakes the worker after the response, the way hosted functions allow. It carries the secret
 * key in `apikey` and, while the project still has one, the legacy service-role JWT as bearer.
 */
function wakeWorker(): void {
  const legacy = env("SUPABASE_SERVICE_ROLE_KEY");
  const wake = fetch(`${supabaseUrl}/functions/v1/exports-worker`, {
    method: "POST",
    headers: { apikey: secretKey(env), ...(legacy ? { Authorization: `Bearer ${legacy}` } : {}) },
  }).then(
    (response) => response.body?.cancel(),
    (error) => console.error("exports API: wake failed", error),
  );
  (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } }).EdgeRuntime?.waitUntil(
    wake,
  );
}

async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  return text.trim() === "" ? {} : JSON.parse(text);
}

function invalid(error: import("zod").ZodError): Response {
  return errorResponse(
    400,
    "invalid_request",
    "The request is not valid; see details.",
    fieldIssues(error),
  );
}

/** An export id that is not one, or names no export the caller may see. */
function exportNotFound(): Response {
  return errorResponse(404, "export_not_found", "No such export.");
}

/** What a route's handler gets: the request, its URL and a client acting as the caller. */
interface Call {
  request: Request;
  url: URL;
  db: SupabaseClient<Database>;
  /** The export id of an `:id` path, a valid UUID; "" on the others. */
  id: string;
}

type Handler = (call: Call) => Promise<Response>;

/**
 * The API's paths below /exports (`:id` an export id) and the handler of each
 * method they take. A path not listed is a 404; a listed path with another
 * method is a 405 naming the methods it takes.
 */
const routes = new Map<string, Partial<Record<string, Handler>>>([
  ["", { GET: listExports, POST: createExport }],
  [":id", { GET: getExport, DELETE: deleteExport }],
  [":id/cancel", { POST: cancelExport }],
  [":id/link", { POST: linkExport }],
]);

// Browsers call the API from an app's own origin (supabase.functions.invoke),
// so every answer, errors included, carries these headers and preflights are
// answered here: Supabase's gateway passes OPTIONS through without a JWT.
// Any origin may call: the API authenticates with the Authorization header,
// never with cookies, so a foreign page can act only with a token it holds.
const corsHeaders = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "authorization, x-client-info, apikey, content-type",
  "Access-Control-Allow-Methods": [
    ...new Set([...routes.values()].flatMap(Object.keys)),
    "OPTIONS",
  ].join(", "),
};

async function createExport({ request, db }: Call): Promise<Response> {
  const input = createExportInput.safeParse(await readJson(request));
  if (!input.success) return invalid(input.error);
  const { data, error, status } = await db.rpc("request_export", input.data);
  if (error) return rpcErrorResponse(error, status);
  wakeWorker();
  return Response.json(data, { status: 201 });
}

async function listExports({ url, db }: Call): Promise<Response> {
  const input = listExportsInput.safeParse(Object.fromEntries(url.searchParams));
  if (!input.success) return invalid(input.error);
  const { data, error, status } = await db.rpc("list_exports", input.data);
  return error ? rpcErrorResponse(error, status) : Response.json(data);
}

async function getExport({ db, id }: Call): Promise<Response> {
  const { data, error, status } = await db.rpc("get_export", { export_id: id });
  if (error) return rpcErrorResponse(error, status);
  return data ? Response.json(data) : exportNotFound();
}

async function cancelExport({ db, id }: Call): Promise<Response> {
  const { data, error, status } = await db.rpc("cancel_export", { export_id: id });
  return error ? rpcErrorResponse(error, status) : Response.json(data);
}

async function deleteExport({ db, id }: Call): Promise<Response> {
  const { error, status } = await db.rpc("delete_export", { export_id: id });
  return error ? rpcErrorResponse(error, status) : new Response(null, { status: 204 });
}

async function linkExport({ request, db, id }: Call): Promise<Response> {
  const input = linkInput.safeParse(await readJson(request));
  if (!input.success) return invalid(input.error);
  const { data, error, status } = await db.rpc("record_export_download", { export_id: id });
  if (error) return rpcErrorResponse(error, status);
  const [file] = data ?? [];
  if (!file) return exportNotFound();
  const signed = await service.storage.from(file.storage_bucket)
    .createSignedUrl(file.storage_path, input.data.expires_in, { download: file.file_name });
  if (signed.error) {
    console.error("exports API: signing failed", signed.error);
    return internalError();
  }
  return Response.json({
    url: signed.data.signedUrl,
    file_name: file.file_name,
    content_type: file.content_type,
    expires_in: input.data.expires_in,
  });
}

async function route(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const parts = url.pathname.replace(/^.*?\/exports\/?/, "").split("/").filter(Boolean);
  const [id, ...rest] = parts;
  const handlers = routes.get(id === undefined ? "" : [":id", ...rest].join("/"));
  if (!handlers) {
    return errorResponse(404, "unknown_route", `${url.pathname} is not part of the exports API.`);
  }
  // Own keys only: a method named like an Object.prototype member is no handler.
  const handler = Object.hasOwn(handlers, request.method) ? handlers[request.method] : undefined;
  if (!handler) {
    const allowed = [...Object.keys(handlers), "OPTIONS"].join(", ");
    const refusal = errorResponse(
      405,
      "method_not_allowed",
      `${url.pathname} takes ${allowed}, not ${request.method}.`,
    );
    refusal.headers.set("Allow", allowed);
    return refusal;
  }
  const caller = await verifyCaller(request, verifier);
  if (caller instanceof Response) return caller;
  if (id !== undefined && !exportId.safeParse(id).success) return exportNotFound();
  return await handler({ request, url, db: asCaller(caller.token), id: id ?? "" });
}

async function answer(request: Request): Promise<Response> {
  if (request.method === "OPTIONS") return new Response(null, { status: 204 });
  try {
    return await route(request);
  } catch (error) {
    if (error instanceof SyntaxError) {
      return errorResponse(400, "invalid_json", "The request body is not valid JSON.");
    }
    console.error("exports API: unexpected error", error);
    return internalError();
  }
}

Deno.serve(async (request) => {
  const response = await answer(request);
  for (const [name, value] of Object.entries(corsHeaders)) response.headers.set(name, value);
  return response;
});
