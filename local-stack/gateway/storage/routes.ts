// `/storage/v1/...`: the part of the Supabase Storage API this module uses, with Storage's
// request and response shapes: create/get bucket, upload, remove, create signed URL, and
// download through a signed URL.
import { type JwtClaims, JwtError } from "../jwt.ts";
import { type GatewayAuth, requestCaller } from "../request_claims.ts";
import { createBucket, getBucket } from "./buckets.ts";
import { removeObjects, uploadObject } from "./objects.ts";
import { downloadSigned, signObject } from "./signed_urls.ts";
import type { StorageContext } from "./context.ts";
import { StorageError, storageErrors } from "./errors.ts";

/** Answers a request whose path starts with `/storage/v1/`. */
export async function handleStorage(
  request: Request,
  path: string,
  context: StorageContext,
): Promise<Response> {
  try {
    return await route(request, path.slice("/storage/v1".length), context);
  } catch (error) {
    if (error instanceof StorageError) return error.toResponse();
    throw error;
  }
}

async function route(request: Request, path: string, context: StorageContext) {
  const method = request.method;
  const signed = path.match(/^\/object\/sign\/([^/]+)\/(.+)$/);
  // Signed downloads carry their own token instead of the caller's JWT.
  if (method === "GET" && signed) {
    return await downloadSigned(request, decode(signed[1]), decode(signed[2]), context);
  }
  const claims = await callerClaims(request, context.auth);
  if (method === "POST" && path === "/bucket") return await createBucket(request, claims, context);
  const bucket = path.match(/^\/bucket\/([^/]+)$/);
  if (method === "GET" && bucket) return await getBucket(decode(bucket[1]), claims, context);
  if (method === "POST" && signed) {
    return await signObject(request, decode(signed[1]), decode(signed[2]), claims, context);
  }
  const object = path.match(/^\/object\/([^/]+)\/(.+)$/);
  if (method === "POST" && object) {
    return await uploadObject(request, decode(object[1]), decode(object[2]), claims, context);
  }
  const objects = path.match(/^\/object\/([^/]+)$/);
  if (method === "DELETE" && objects) {
    return await removeObjects(request, decode(objects[1]), claims, context);
  }
  throw storageErrors.notImplemented(method, `/storage/v1${path}`);
}

async function callerClaims(request: Request, auth: GatewayAuth): Promise<JwtClaims> {
  try {
    const caller = await requestCaller(request, auth);
    if (!caller) {
      throw storageErrors.invalidJwt("headers must have required property 'authorization'");
    }
    return caller.claims;
  } catch (error) {
    if (error instanceof JwtError) throw storageErrors.invalidJwt(error.message);
    throw error;
  }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw storageErrors.invalidKey(segment);
  }
}
