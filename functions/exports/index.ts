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
import { jwtClaims } from "../_shared/api/jwt_claims.ts";
import {
  maxBodyBytes,
  queryIssues,
  readJsonBody,
  type TextIssue,
} from "../_shared/api/request_text.ts";
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
 * Wakes the worker after the response, the way hosted functions allow, with its dedicated wake
 * secret, which opens nothing else; installs that have not set one send the secret key.
 */
function wakeWorker(): void {
  const wakeToken = env("EXPORTS_WAKE_SECRET") || secretKey(env);
  const wake = fetch(`${supabaseUrl}/functions/v1/exports-worker`, {
    method: "POST",
    headers: { Authorization: `Bearer ${wakeToken}` },
  }).then(
    (response) => response.body?.cancel(),
    (error) => console.error("exports API: wake failed", error),
  );
  (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } }).EdgeRuntime?.waitUntil(
    wake,
  );
}

/** A refusal of the request as a client sent it: why, and the fields at fault. */
class RequestRefusal extends Error {
  constructor(readonly response: Response) {
    super("request refused");
  }
}

/** The request's JSON body; throws a RequestRefusal when it cannot be one. */
async function readJson(request: Request): Promise<unknown> {
  const body = await readJsonBody(request);
  if (body.ok) return body.value;
  if (body.reason === "too_large") {
    throw new RequestRefusal(errorResponse(
      413,
      "request_too_large",
      `The request body is larger than ${maxBodyBytes} bytes.`,
    ));
  }
  if (body.reason === "not_json") {
    throw new RequestRefusal(
      errorResponse(400, "invalid_json", "The request body is not valid JSON."),
    );
  }
  throw new RequestRefusal(invalidFields(body.issues));
}

function invalidFields(details: TextIssue[]): Response {
  return errorResponse(400, "invalid_request", "The request is not valid; see details.", details);
}

function invalid(error: import("zod").ZodError): Response {
  return invalidFields(fieldIssues(error));
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
  /** Answers an RPC's error, knowing the role claim of the caller's token. */
  refuse: (error: { code?: string; message?: string }, status: number) => Response;
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

async function createExport({ request, db, refuse }: Call): Promise<Response> {
  const input = createExportInput.safeParse(await readJson(request));
  if (!input.success) return invalid(input.error);
  const { data, error, status } = await db.rpc("request_export", input.data);
  if (error) return refuse(error, status);
  wakeWorker();
  return Response.json(data, { status: 201 });
}

async function listExports({ url, db, refuse }: Call): Promise<Response> {
  const input = listExportsInput.safeParse(Object.fromEntries(url.searchParams));
  if (!input.success) return invalid(input.error);
  const { data, error, status } = await db.rpc("list_exports", input.data);
  return error ? refuse(error, status) : Response.json(data);
}

async function getExport({ db, id, refuse }: Call): Promise<Response> {
  const { data, error, status } = await db.rpc("get_export", { export_id: id });
  if (error) return refuse(error, status);
  return data ? Response.json(data) : exportNotFound();
}

async function cancelExport({ db, id, refuse }: Call): Promise<Response> {
  const { data, error, status } = await db.rpc("cancel_export", { export_id: id });
  return error ? refuse(error, status) : Response.json(data);
}

async function deleteExport({ db, id, refuse }: Call): Promise<Response> {
  const { error, status } = await db.rpc("delete_export", { export_id: id });
  return error ? refuse(error, status) : new Response(null, { status: 204 });
}

/** One part of a completed export, as record_export_download lists it. */
interface StoredPart {
  part: number;
  storage_path: string;
  file_name: string;
  size: number;
  first_row: number;
  last_row: number;
  rows: number;
  sha256: string;
}

async function linkExport({ request, db, id, refuse }: Call): Promise<Response> {
  const input = linkInput.safeParse(await readJson(request));
  if (!input.success) return invalid(input.error);
  const { data, error, status } = await db.rpc("record_export_download", { export_id: id });
  if (error) return refuse(error, status);
  const [file] = data ?? [];
  if (!file) return exportNotFound();
  // A database whose migrations predate parts (an API deployed before
  // `supabase db push`) lists none: its one file is linked alone.
  const parts = (file.parts ?? null) as unknown as StoredPart[] | null;
  const urls = await signParts(
    file.storage_bucket,
    parts ?? [{ storage_path: file.storage_path, file_name: file.file_name }],
    input.data.expires_in,
  );
  if (!urls) return internalError();
  return Response.json({
    url: urls[0],
    file_name: file.file_name,
    content_type: file.content_type,
    expires_in: input.data.expires_in,
    ...parts && {
      parts: parts.map(({ storage_path: _, ...part }, index) => ({ ...part, url: urls[index] })),
    },
  });
}

/**
 * A signed URL for each part, in order; null when Storage refused. One part
 * downloads under the export's own file name; several in one call, each under
 * its path's last segment, which is its part file name.
 */
async function signParts(
  bucket: string,
  parts: Pick<StoredPart, "storage_path" | "file_name">[],
  expiresIn: number,
): Promise<string[] | null> {
  const storage = service.storage.from(bucket);
  if (parts.length === 1) {
    const [only] = parts;
    const signed = await storage.createSignedUrl(only.storage_path, expiresIn, {
      download: only.file_name,
    });
    if (signed.error) {
      console.error("exports API: signing failed", signed.error);
      return null;
    }
    return [signed.data.signedUrl];
  }
  const signed = await storage.createSignedUrls(
    parts.map((part) => part.storage_path),
    expiresIn,
    { download: true },
  );
  const urls = (signed.data ?? []).map((entry) => entry.error ? null : entry.signedUrl);
  if (signed.error || urls.length !== parts.length || urls.includes(null)) {
    console.error("exports API: signing failed", signed.error ?? signed.data);
    return null;
  }
  return urls as string[];
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
  const badQuery = queryIssues(url.searchParams);
  if (badQuery.length) return invalidFields(badQuery);
  const claims = jwtClaims(request) ?? {};
  return await handler({
    request,
    url,
    db: asCaller(caller.token),
    id: id ?? "",
    refuse: (error, status) => rpcErrorResponse(error, status, claims),
  });
}

async function answer(request: Request): Promise<Response> {
  if (request.method === "OPTIONS") return new Response(null, { status: 204 });
  try {
    return await route(request);
  } catch (error) {
    if (error instanceof RequestRefusal) return error.response;
    console.error("exports API: unexpected error", error);
    return internalError();
  }
}

Deno.serve(async (request) => {
  const response = await answer(request);
  for (const [name, value] of Object.entries(corsHeaders)) response.headers.set(name, value);
  return response;
});
