// Decides who may wake the export worker. The worker runs with verify_jwt
// off, as Supabase recommends for functions called with API keys, so this is
// the only check: a caller is accepted only once its credential is verified,
// never on what an unverified token claims to be.

/** The credentials the worker accepts, read from its environment. */
export interface WorkerCredentials {
  /** EXPORTS_WAKE_SECRET: the dedicated secret pg_net and the exports API wake it with. */
  wakeSecret?: string;
  /** The values of SUPABASE_SECRET_KEYS (`{"default": "sb_secret_…"}` on hosted). */
  secretKeys: string[];
  /** The values of SUPABASE_PUBLISHABLE_KEYS: known, and refused as not privileged. */
  publishableKeys: string[];
  /** SUPABASE_JWT_SECRET: verifies legacy service-role JWTs (HS256). */
  jwtSecret?: string;
}

/** How a caller was accepted, or why it was refused (an answer in the API's error shape). */
export type CallerVerdict =
  | { accepted: true; by: "wake_secret" | "secret_key" | "service_role_jwt" }
  | { accepted: false; status: 401 | 403; code: "unauthorized" | "forbidden"; message: string };

/** Reads the worker's credentials from `env`; a malformed key map counts as no keys. */
export function workerCredentials(
  env: { get(name: string): string | undefined },
): WorkerCredentials {
  return {
    wakeSecret: env.get("EXPORTS_WAKE_SECRET") || undefined,
    secretKeys: keyMapValues(env.get("SUPABASE_SECRET_KEYS")),
    publishableKeys: keyMapValues(env.get("SUPABASE_PUBLISHABLE_KEYS")),
    jwtSecret: env.get("SUPABASE_JWT_SECRET") || undefined,
  };
}

/**
 * Verifies the bearer token of `request`: the wake secret or a secret key
 * (each compared in constant time), or a legacy JWT whose HS256 signature
 * verifies, whose role is service_role and whose exp is in the future.
 */
export async function verifyWorkerCaller(
  request: Request,
  credentials: WorkerCredentials,
  nowMs: number = Date.now(),
): Promise<CallerVerdict> {
  const token = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) {
    return unauthorized("The worker needs a bearer token: its wake secret or a secret key.");
  }
  if (credentials.wakeSecret && await sameSecret(token, credentials.wakeSecret)) {
    return { accepted: true, by: "wake_secret" };
  }
  if (await matchesAny(token, credentials.secretKeys)) return { accepted: true, by: "secret_key" };
  if (await matchesAny(token, credentials.publishableKeys)) {
    return forbidden("A publishable key may not run the export worker.");
  }
  const claims = credentials.jwtSecret
    ? await verifiedHs256Claims(token, credentials.jwtSecret)
    : null;
  if (!claims) return unauthorized("The token is not one the worker can verify.");
  if (typeof claims.exp !== "number" || claims.exp * 1000 <= nowMs) {
    return unauthorized("The token has expired.");
  }
  if (claims.role !== "service_role") {
    return forbidden("Only the service role may run the export worker.");
  }
  return { accepted: true, by: "service_role_jwt" };
}

function unauthorized(message: string): CallerVerdict {
  return { accepted: false, status: 401, code: "unauthorized", message };
}

function forbidden(message: string): CallerVerdict {
  return { accepted: false, status: 403, code: "forbidden", message };
}

function keyMapValues(json: string | undefined): string[] {
  if (!json) return [];
  try {
    const map = JSON.parse(json);
    if (typeof map !== "object" || map === null || Array.isArray(map)) return [];
    return Object.values(map).filter((value): value is string =>
      typeof value === "string" && value !== ""
    );
  } catch {
    return [];
  }
}

// Every candidate is compared, so the time taken does not tell which matched.
async function matchesAny(token: string, candidates: string[]): Promise<boolean> {
  let matched = false;
  for (const candidate of candidates) {
    if (await sameSecret(token, candidate)) matched = true;
  }
  return matched;
}

const encoder = new TextEncoder();

/**
 * Compares two secrets in constant time: their SHA-256 digests have the same
 * length whatever the inputs, and every byte of them is compared.
 */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= x[i] ^ y[i];
  return difference === 0;
}

// The claims of an HS256 JWT whose signature verifies against `secret`, else
// null. The header must name HS256 itself: `alg: none` or any other
// algorithm is refused before the signature is looked at.
async function verifiedHs256Claims(
  token: string,
  secret: string,
): Promise<Record<string, unknown> | null> {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts;
  try {
    if (JSON.parse(fromBase64url(header, "text")).alg !== "HS256") return null;
    const key = await crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    );
    const valid = await crypto.subtle.verify(
      "HMAC",
      key,
      fromBase64url(signature, "bytes"),
      encoder.encode(`${header}.${payload}`),
    );
    if (!valid) return null;
    const claims = JSON.parse(fromBase64url(payload, "text"));
    return typeof claims === "object" && claims !== null ? claims : null;
  } catch {
    return null;
  }
}

function fromBase64url(text: string, as: "text"): string;
function fromBase64url(text: string, as: "bytes"): Uint8Array<ArrayBuffer>;
function fromBase64url(text: string, as: "text" | "bytes"): string | Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return as === "bytes" ? bytes : new TextDecoder().decode(bytes);
}
