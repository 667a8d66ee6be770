// `POST /object/sign/<bucket>/<name>` (`{expiresIn}` -> `{signedURL}`), `POST /object/sign/<bucket>`
// (`{expiresIn, paths}`, batch) and the download through such a URL. As in Supabase Storage, the
// token is an HS256 JWT signed with the project's JWT secret whose `url` claim is "<bucket>/<name>"
// and `scope` "download"; downloads check it, then stream from disk.
import type { JwtClaims } from "../jwt.ts";
import { JwtError, nowSeconds, signJwt, verifyJwt } from "../jwt.ts";
import { asCaller } from "./as_caller.ts";
import { checkObjectKey } from "./disk.ts";
import { storageErrors } from "./errors.ts";
import { jsonBody } from "./json_body.ts";
import type { StorageContext } from "./context.ts";
import { objectRow } from "./object_lookup.ts";
import { type ObjectMetadata, serveObject } from "./object_response.ts";

/** Signs a download URL for an object the caller can see. */
export async function signObject(
  request: Request,
  bucket: string,
  name: string,
  claims: JwtClaims,
  context: StorageContext,
): Promise<Response> {
  checkObjectKey(bucket, name);
  const { expiresIn } = await jsonBody(request);
  checkExpiresIn(expiresIn);
  await objectRow(context, { bucket, name, columns: ["id"], claims });
  return Response.json({ signedURL: await signedUrl(`${bucket}/${name}`, expiresIn, context) });
}

/**
 * Signs `{expiresIn, paths}` in one call; answers `{error, path, signedURL}` for each path, the
 * ones the caller cannot see with Storage's error text and no URL.
 */
export async function signObjects(
  request: Request,
  bucket: string,
  claims: JwtClaims,
  context: StorageContext,
): Promise<Response> {
  const { expiresIn, paths } = await jsonBody(request);
  checkExpiresIn(expiresIn);
  if (!Array.isArray(paths) || paths.some((p) => typeof p !== "string")) {
    throw storageErrors.invalidRequest("body/paths must be an array of object names");
  }
  const found = await asCaller(
    context.sql,
    claims,
    (tx) =>
      tx<{ name: string }[]>`
        select name from storage.objects where bucket_id = ${bucket} and name = any(${paths})
      `,
  );
  const visible = new Set(found.map((o) => o.name));
  const items = await Promise.all((paths as string[]).map(async (path) => {
    if (!visible.has(path)) {
      return {
        error: "Either the object does not exist or you do not have access to it",
        path,
        signedURL: null,
      };
    }
    return {
      error: null,
      path,
      signedURL: await signedUrl(`${bucket}/${path}`, expiresIn, context),
    };
  }));
  return Response.json(items);
}

/** Streams an object to the holder of a valid, unexpired token for exactly its path. */
export async function downloadSigned(
  request: Request,
  bucket: string,
  name: string,
  context: StorageContext,
): Promise<Response> {
  const query = new URL(request.url).searchParams;
  const token = query.get("token");
  if (!token) throw storageErrors.invalidRequest("querystring must have required property 'token'");
  let claims: JwtClaims;
  try {
    claims = await verifyJwt(token, context.jwtSecret);
  } catch (error) {
    if (error instanceof JwtError) throw storageErrors.invalidJwt(error.message);
    throw error;
  }
  if (claims.url !== `${bucket}/${name}`) throw storageErrors.invalidSignature();
  checkObjectKey(bucket, name);
  const object = await objectRow<{ metadata: ObjectMetadata | null }>(context, {
    bucket,
    name,
    columns: ["metadata"],
    claims: null,
  });
  return await serveObject(request, bucket, name, object.metadata ?? {}, context, {
    expires: new Date(Number(claims.exp) * 1000),
    download: query.get("download"),
  });
}

/** A download URL path for `url` ("<bucket>/<name>"), with Storage's download-scoped token. */
async function signedUrl(url: string, expiresIn: number, context: StorageContext) {
  const iat = nowSeconds();
  const token = await signJwt(
    { url, scope: "download", iat, exp: iat + expiresIn },
    context.jwtSecret,
  );
  return `/object/sign/${url}?token=${token}`;
}

function checkExpiresIn(expiresIn: unknown): asserts expiresIn is number {
  if (typeof expiresIn !== "number" || !Number.isInteger(expiresIn) || expiresIn < 1) {
    throw storageErrors.invalidRequest("body/expiresIn must be an integer >= 1 (seconds)");
  }
}
