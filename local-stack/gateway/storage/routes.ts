// `/storage/v1/...`: the part of the Supabase Storage API the project and its clients use, with
// Storage's request and response shapes. Each route family lives in its own module.
import { type JwtClaims, JwtError } from "../jwt.ts";
import { type GatewayAuth, requestCaller } from "../request_claims.ts";
import { createBucket, deleteBucket, emptyBucket, getBucket } from "./buckets.ts";
import { downloadAuthenticated } from "./downloads.ts";
import { objectInfo } from "./object_info.ts";
import { listObjects } from "./object_list.ts";
import { removeObjects, uploadObject } from "./objects.ts";
import { downloadSigned, signObject, signObjects } from "./signed_urls.ts";
import type { StorageContext } from "./context.ts";
import { StorageError, storageErrors } from "./errors.ts";
import { tusServer } from "./tus.ts";
import { s3Routes } from "./s3_routes.ts";

/** The Storage routes of one gateway; `handle` answers a request under `/storage/v1/`. */
export function storageRoutes(context: StorageContext) {
  const tus = tusServer(context);
  const s3 = s3Routes(context);
  return {
    handle: (request: Request, path: string) => {
      // The S3 protocol has answers and errors of its own.
      if (path.startsWith("/storage/v1/s3/")) {
        return s3.handle(request, path.slice("/storage/v1/s3".length));
      }
      return handleStorage(request, path, context, tus);
    },
  };
}

async function handleStorage(
  request: Request,
  path: string,
  context: StorageContext,
  tus: ReturnType<typeof tusServer>,
): Promise<Response> {
  try {
    return await route(request, path.slice("/storage/v1".length), context, tus);
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    return error.toResponse();
  }
}

async function route(
  request: Request,
  path: string,
  context: StorageContext,
  tus: ReturnType<typeof tusServer>,
) {
  const method = request.method;
  if (path === "/upload/resumable" || path.startsWith("/upload/resumable/")) {
    return await resumable(request, context, tus);
  }
  const read = method === "GET" || method === "HEAD";
  const signed = path.match(/^\/object\/sign\/([^/]+)\/(.+)$/);
  // Signed downloads carry their own token instead of the caller's JWT.
  if (read && signed) {
    return await downloadSigned(request, decode(signed[1]), decode(signed[2]), context);
  }
  const claims = await callerClaims(request, context.auth);
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

/** TUS: OPTIONS needs no caller; any other request without a valid JWT gets Storage's 403. */
async function resumable(
  request: Request,
  context: StorageContext,
  tus: ReturnType<typeof tusServer>,
) {
  if (request.method === "OPTIONS") return await tus.handle(request, {});
  let claims: JwtClaims;
  try {
    const caller = await requestCaller(request, context.auth);
    if (!caller) throw new JwtError("malformed", "Invalid Compact JWS");
    claims = caller.claims;
  } catch (error) {
    if (!(error instanceof JwtError)) throw error;
    throw new StorageError("AccessDenied", 403, error.message, "Unauthorized");
  }
  return await tus.handle(request, claims);
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
