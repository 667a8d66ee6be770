// `/storage/v1/...`: the part of the Supabase Storage API the project and its clients use, with
// Storage's request and response shapes. Each route family lives in its own module.
import { type JwtClaims, JwtError } from "../jwt.ts";
import { requestCaller } from "../request_claims.ts";
import { createBucket, deleteBucket, emptyBucket, getBucket } from "./buckets.ts";
import { downloadAuthenticated } from "./downloads.ts";
import { objectInfo } from "./object_info.ts";
import { listObjects } from "./object_list.ts";
import { removeObjects, uploadObject } from "./objects.ts";
import { downloadSigned, signObject, signObjects } from "./signed_urls.ts";
import type { StorageContext } from "./context.ts";
import { StorageError, storageErrors } from "./errors.ts";

/** Answers a request whose path starts with `/storage/v1/`. */
export async function handleStorage(
  request: Request,
  path: string,
  context: StorageContext,
): Promise<Response> {
  let response: Response;
  try {
    response = await route(request, path.slice("/storage/v1".length), context);
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    response = error.toResponse();
  }
  // Storage (Node's HTTP server) names the HTTP/1.1 default; Deno's server leaves it implicit.
  if (!response.headers.has("connection")) response.headers.set("connection", "keep-alive");
  return response;
}

async function route(request: Request, path: string, context: StorageContext) {
  const method = request.method;
  const read = method === "GET" || method === "HEAD";
  const signed = path.match(/^\/object\/sign\/([^/]+)\/(.+)$/);
  // Signed downloads carry their own token instead of the caller's JWT.
  if (read && signed) {
    return await downloadSigned(request, decode(signed[1]), decode(signed[2]), context);
  }
  const claims = await callerClaims(request, context.jwtSecret);
  if (method === "POST" && path === "/bucket") return await createBucket(request, claims, context);
  const bucket = path.match(/^\/bucket\/([^/]+)$/);
  if (method === "GET" && bucket) return await getBucket(decode(bucket[1]), claims, context);
  if (method === "DELETE" && bucket) return await deleteBucket(decode(bucket[1]), claims, context);
  const empty = path.match(/^\/bucket\/([^/]+)\/empty$/);
  if (method === "POST" && empty) return await emptyBucket(decode(empty[1]), claims, context);
  if (method === "POST" && signed) {
    return await signObject(request, decode(signed[1]), decode(signed[2]), claims, context);
  }
  const signMany = path.match(/^\/object\/sign\/([^/]+)$/);
  if (method === "POST" && signMany) {
    return await signObjects(request, decode(signMany[1]), claims, context);
  }
  const list = path.match(/^\/object\/list\/([^/]+)$/);
  if (method === "POST" && list) {
    return await listObjects(request, decode(list[1]), claims, context);
  }
  const info = path.match(/^\/object\/info\/(?:authenticated\/)?([^/]+)\/(.+)$/);
  if (method === "GET" && info) {
    return await objectInfo(decode(info[1]), decode(info[2]), claims, context);
  }
  const authenticated = path.match(/^\/object\/authenticated\/([^/]+)\/(.+)$/);
  if (read && authenticated) {
    const [bucketId, name] = [decode(authenticated[1]), decode(authenticated[2])];
    return await downloadAuthenticated(request, bucketId, name, claims, context);
  }
  const object = path.match(/^\/object\/([^/]+)\/(.+)$/);
  if (method === "POST" && object) {
    return await uploadObject(request, decode(object[1]), decode(object[2]), claims, context);
  }
  if (read && object) {
    return await downloadAuthenticated(
      request,
      decode(object[1]),
      decode(object[2]),
      claims,
      context,
    );
  }
  const objects = path.match(/^\/object\/([^/]+)$/);
  if (method === "DELETE" && objects) {
    return await removeObjects(request, decode(objects[1]), claims, context);
  }
  throw storageErrors.notImplemented(method, `/storage/v1${path}`);
}

async function callerClaims(request: Request, jwtSecret: string): Promise<JwtClaims> {
  try {
    const caller = await requestCaller(request, jwtSecret);
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
