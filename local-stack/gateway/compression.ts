// When the gateway compresses an answer, by the rules `Deno.serve` applies on its own, so that
// clients see the same bodies and headers whichever HTTP server carries them.

/** A content coding the gateway compresses with. */
export type Coding = "gzip" | "br";

/**
 * Under this many bytes a body whose length is known goes out as it is: the headers compression
 * adds would outweigh what it saves.
 */
export const minimumCompressedLength = 64;

// The media types of mime-db marked compressible that an answer of this stack can carry; a type
// outside them (`application/jsonl`, `application/pdf`, `application/octet-stream`) goes out as is.
const compressibleTypes = new Set([
  "application/javascript",
  "application/json",
  "application/problem+json",
  "application/vnd.api+json",
  "application/x-www-form-urlencoded",
  "application/xhtml+xml",
  "application/xml",
  "image/svg+xml",
  "text/css",
  "text/csv",
  "text/html",
  "text/javascript",
  "text/markdown",
  "text/plain",
  "text/tab-separated-values",
  "text/xml",
  "text/yaml",
]);

/**
 * The coding `acceptEncoding` asks for, or null: the first of gzip, br and identity with q=1,
 * else the one with the highest q; the browsers' `gzip, deflate, br` means br.
 */
export function preferredCoding(acceptEncoding: string | null): Coding | null {
  if (acceptEncoding === null) return null;
  if (acceptEncoding === "gzip, deflate, br" || acceptEncoding === "br") return "br";
  let preferred: Coding | "identity" | null = null;
  let highest = 0;
  for (const entry of acceptEncoding.split(",")) {
    const [name, weight] = entry.trim().split(";q=");
    const coding = name === "gzip" || name === "br" || name === "identity" ? name : null;
    if (!coding) continue;
    const q = weight === undefined ? 1 : Number(weight);
    // An entry with a malformed or out-of-range weight is passed over.
    if (!(q >= 0 && q <= 1)) continue;
    if (Math.abs(q - 1) < 0.01) return coding === "identity" ? null : coding;
    if (q > highest) [preferred, highest] = [coding, q];
  }
  return preferred === "identity" ? null : preferred;
}

/** Whether an answer with these headers may be compressed: a compressible type, not a range. */
export function isCompressible(headers: Headers): boolean {
  const type = headers.get("content-type");
  if (!type || !compressibleTypes.has(type.split(";")[0].trim().toLowerCase())) return false;
  if (headers.has("content-encoding") || headers.has("content-range")) return false;
  return !/(^|,)\s*no-transform\s*(,|$)/i.test(headers.get("cache-control") ?? "");
}

/**
 * The coding to send a body with, given the request's Accept-Encoding, the answer's headers and
 * the body's length where it is known; null to send it as it is.
 */
export function chooseCoding(
  acceptEncoding: string | null,
  headers: Headers,
  length: number | undefined,
): Coding | null {
  if (length !== undefined && length < minimumCompressedLength) return null;
  const coding = preferredCoding(acceptEncoding);
  return coding && isCompressible(headers) ? coding : null;
}

/**
 * Marks `headers` for a body sent in `coding`: the ETag of the plain bytes becomes weak, the
 * length goes (it is no longer known), and Content-Encoding names the coding.
 */
export function markCompressed(headers: Headers, coding: Coding): void {
  const etag = headers.get("etag");
  if (etag && !etag.startsWith("W/")) headers.set("etag", `W/${etag}`);
  headers.delete("content-length");
  headers.set("content-encoding", coding);
}

/** Adds Accept-Encoding to Vary, as every answer with a body gets whether compressed or not. */
export function varyOnAcceptEncoding(headers: Headers): void {
  const vary = headers.get("vary");
  if (vary === null) headers.set("vary", "Accept-Encoding");
  else if (!vary.toLowerCase().includes("accept-encoding")) {
    headers.set("vary", `Accept-Encoding, ${vary}`);
  }
}
