// Who signs an S3 request: AWS Signature Version 4 checked as Storage's S3 protocol checks it.
// Two kinds of credentials exist: the project's S3 access key and secret (the service role), and
// session-token credentials (access key the project ref, secret the anon key, session token the
// user's JWT), which act as the JWT's user under RLS.
import { createHash, createHmac } from "node:crypto";
import { type JwtClaims, JwtError, verifyJwt } from "../jwt.ts";
import type { StorageContext } from "./context.ts";
import { S3Error } from "./s3_xml.ts";

/** The S3 credentials the project hands out, and the anon key that signs session-token ones. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  anonKey: string;
}

interface Authorization {
  accessKeyId: string;
  scope: string;
  date: string;
  signedHeaders: string[];
  signature: string;
}

/** The claims a correctly signed request acts with; SignatureDoesNotMatch or AccessDenied else. */
export async function s3Caller(request: Request, context: StorageContext): Promise<JwtClaims> {
  const auth = parseAuthorization(request.headers.get("authorization"));
  const credentials = context.s3;
  const sessionToken = request.headers.get("x-amz-security-token");
  if (auth.accessKeyId === credentials.accessKeyId && !sessionToken) {
    if (!matches(request, auth, credentials.secretAccessKey)) {
      throw new S3Error(
        "SignatureDoesNotMatch",
        403,
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      );
    }
    return { role: "service_role" };
  }
  if (!sessionToken || !matches(request, auth, credentials.anonKey)) {
    throw new S3Error(
      "SignatureDoesNotMatch",
      403,
      "The request signature we calculated does not match the signature you provided, Check your credentials. The session token should be a valid JWT token",
    );
  }
  try {
    return await verifyJwt(sessionToken, context.auth.keys.verification);
  } catch (error) {
    if (error instanceof JwtError) throw new S3Error("AccessDenied", 403, error.message);
    throw error;
  }
}

function parseAuthorization(header: string | null): Authorization {
  const match = header?.match(
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(([^/]+)\/[^/]+\/[^/]+\/aws4_request), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/,
  );
  if (!match) throw new S3Error("AccessDenied", 403, "Missing or invalid authorization header");
  return {
    accessKeyId: match[1],
    scope: match[2],
    date: match[3],
    signedHeaders: match[4].split(";"),
    signature: match[5],
  };
}

/** Whether the request's signature is the one `secret` gives its canonical form. */
function matches(request: Request, auth: Authorization, secret: string): boolean {
  const url = new URL(request.url);
  const canonicalHeaders = auth.signedHeaders.map((name) =>
    `${name}:${(request.headers.get(name) ?? "").trim().replace(/\s+/g, " ")}\n`
  ).join("");
  const canonicalRequest = [
    request.method,
    url.pathname,
    canonicalQuery(url.search.slice(1)),
    canonicalHeaders,
    auth.signedHeaders.join(";"),
    request.headers.get("x-amz-content-sha256") ?? "UNSIGNED-PAYLOAD",
  ].join("\n");
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    request.headers.get("x-amz-date") ?? "",
    auth.scope,
    createHash("sha256").update(canonicalRequest).digest("hex"),
  ].join("\n");
  const [date, region, service] = auth.scope.split("/");
  let key: Buffer | string = `AWS4${secret}`;
  for (const part of [date, region, service, "aws4_request"]) key = hmac(key, part);
  return createHmac("sha256", key).update(stringToSign).digest("hex") === auth.signature;
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** The query's pairs, each part URI-encoded as SigV4 encodes it, sorted. */
function canonicalQuery(search: string): string {
  if (!search) return "";
  const encode = (s: string) =>
    encodeURIComponent(decodeURIComponent(s.replace(/\+/g, " "))).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  return search.split("&").map((pair) => {
    const at = pair.indexOf("=");
    const [key, value] = at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
    return [encode(key), encode(value)];
  }).sort(([a, x], [b, y]) => a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0)
    .map(([key, value]) => `${key}=${value}`).join("&");
}
