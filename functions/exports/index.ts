// The exports API for client apps (supabase.functions.invoke('exports')):
// create, list, get, cancel, delete and link. It calls the public RPCs as the
// caller, so RLS and the SQL core decide everything about visibility.
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import {
  createExportInput,
  exportId,
  fieldIssues,
  linkInput,
  listExportsInput,
} from "../_shared/api_input.ts";
import { errorResponse, internalError, rpcErrorResponse } from "../_shared/http_errors.ts";
import type { Database } from "../_shared/database_types.ts";

const supabaseUrl = Deno.env.get("SUPABASE_URL")!;
const serviceKey = Deno.env.get("SUPABASE_SERVICE_ROLE_KEY")!;
const clientOptions = { auth: { persistSession: false, autoRefreshToken: false } };
const service = createClient(supabaseUrl, serviceKey, clientOptions);

function asCaller(request: Request): SupabaseClient<Database> {
  return createClient<Database>(supabaseUrl, Deno.env.get("SUPABASE_ANON_KEY")!, {
    ...clientOptions,
    global: { headers: { Authorization: request.headers.get("authorization") ?? "" } },
  });
}

/** Wakes the worker after the response, the way hosted functions allow. */
function wakeWorker(): void {
  const wake = fetch(`${supabaseUrl}/functions/v1/exports-worker`, {
    method: "POST",
    headers: { Authorization: `Bearer ${serviceKey}` },
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

async function route(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const parts = url.pathname.replace(/^.*?\/exports\/?/, "").split("/").filter(Boolean);
  const db = asCaller(request);
  const [id, action] = parts;
  if (id !== undefined && !exportId.safeParse(id).success) {
    return errorResponse(404, "export_not_found", "No such export.");
  }
  const method = request.method;

  if (method === "POST" && parts.length === 0) {
    const input = createExportInput.safeParse(await readJson(request));
    if (!input.success) return invalid(input.error);
    const { data, error } = await db.rpc("request_export", input.data);
    if (error) return rpcErrorResponse(error);
    wakeWorker();
    return Response.json(data, { status: 201 });
  }
  if (method === "GET" && parts.length === 0) {
    const input = listExportsInput.safeParse(Object.fromEntries(url.searchParams));
    if (!input.success) return invalid(input.error);
    const { data, error } = await db.rpc("list_exports", input.data);
    return error ? rpcErrorResponse(error) : Response.json(data);
  }
  if (method === "GET" && parts.length === 1) {
    const { data, error } = await db.rpc("get_export", { export_id: id });
    if (error) return rpcErrorResponse(error);
    return data?.length
      ? Response.json(data[0])
      : errorResponse(404, "export_not_found", "No such export.");
  }
  if (method === "POST" && action === "cancel" && parts.length === 2) {
    const { data, error } = await db.rpc("cancel_export", { export_id: id });
    return error ? rpcErrorResponse(error) : Response.json(data);
  }
  if (method === "DELETE" && parts.length === 1) {
    const { error } = await db.rpc("delete_export", { export_id: id });
    return error ? rpcErrorResponse(error) : new Response(null, { status: 204 });
  }
  if (method === "POST" && action === "link" && parts.length === 2) {
    const input = linkInput.safeParse(await readJson(request));
    if (!input.success) return invalid(input.error);
    const { data, error } = await db.rpc("record_export_download", { export_id: id });
    if (error) return rpcErrorResponse(error);
    const [file] = data ?? [];
    if (!file) return errorResponse(404, "export_not_found", "No such export.");
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
  return errorResponse(
    405,
    "unsupported_route",
    `${method} ${url.pathname} is not part of the exports API.`,
  );
}

Deno.serve(async (request) => {
  try {
    return await route(request);
  } catch (error) {
    if (error instanceof SyntaxError) {
      return errorResponse(400, "invalid_json", "The request body is not valid JSON.");
    }
    console.error("exports API: unexpected error", error);
    return internalError();
  }
});
