// `POST /object/sign/<bucket>/<name>` (`{expiresIn}` -> `{signedURL}`) and the download through
// that URL. As in Supabase Storage, the token is an HS256 JWT signed with the project's JWT
// secret whose `url` claim is "<bucket>/<name>"; downloads check it, then stream from disk.
import type { JwtClaims } from "../jwt.ts";
import { JwtError, nowSeconds, signJwt, verifyJwt } from "../jwt.ts";
import { asCaller } from "./as_caller.ts";
import { checkObjectKey } from "./disk.ts";
import { storageErrors } from "./errors.ts";
import { jsonBody } from "./json_body.ts";
import type { StorageContext } from "./context.ts";

interface ObjectMetadata {
  eTag?: string;
  size?: number;
  mimetype?: string;
  cacheControl?: string;
  lastModified?: string;
}

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
  if (typeof expiresIn !== "number" || !Number.isInteger(expiresIn) || expiresIn < 1) {
    throw storageErrors.invalidRequest("body/expiresIn must be an integer >= 1 (seconds)");
  }
  const [object] = await asCaller(
    context.sql,
    claims,
    (tx) => tx`select id from storage.objects where bucket_id = ${bucket} and name = ${name}`,
  );
  if (!object) throw storageErrors.noSuchKey();
  const url = `${bucket}/${name}`;
  const iat = nowSeconds();
  const token = await signJwt({ url, iat, exp: iat + expiresIn }, context.jwtSecret);
  return Response.json({ signedURL: `/object/sign/${url}?token=${token}` });
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
  const [object] = await context.sql<{ metadata: ObjectMetadata | null }[]>`
    select metadata from storage.objects where bucket_id = ${bucket} and name = ${name}
  `;
  if (!object) throw storageErrors.noSuchKey();
  let file: Deno.FsFile;
  try {
    file = await Deno.open(context.disk.objectPath(bucket, name));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw storageErrors.noSuchKey();
    throw error;
  }
  const metadata = object.metadata ?? {};
  const { size } = await file.stat();
  const headers = new Headers({
    "accept-ranges": "bytes",
    // Storage never serves HTML as HTML from a project's domain.
    "content-type": metadata.mimetype?.includes("text/html")
      ? "text/plain"
      : metadata.mimetype ?? "application/octet-stream",
    "content-length": String(size),
    "expires": new Date(Number(claims.exp) * 1000).toUTCString(),
  });
  if (metadata.eTag) headers.set("etag", metadata.eTag);
  if (metadata.lastModified) {
    headers.set("last-modified", new Date(metadata.lastModified).toUTCString());
  }
  const download = query.get("download");
  if (download === "") headers.set("content-disposition", "attachment;");
  if (download) {
    const encoded = encodeURIComponent(download);
    headers.set(
      "content-disposition",
      `attachment; filename=${encoded}; filename*=UTF-8''${encoded};`,
    );
  }
  return new Response(file.readable, { headers });
}
