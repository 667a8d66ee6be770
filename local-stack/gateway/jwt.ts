// HS256 JSON Web Tokens with WebCrypto: the only kind the local stack signs or accepts,
// as `supabase start` signs its anon and service-role keys with the project's JWT secret.

/** The claims of a verified token; `role` and `sub` are the ones Supabase reads. */
export type JwtClaims = Record<string, unknown> & {
  role?: string;
  sub?: string;
  exp?: number;
  iat?: number;
};

/** Why a token was refused; messages match the `jsonwebtoken` ones Supabase Storage returns. */
export class JwtError extends Error {
  constructor(readonly reason: "malformed" | "signature" | "expired", message: string) {
    super(message);
    this.name = "JwtError";
  }
}

const encoder = new TextEncoder();
const header = base64url(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));

/** Signs `claims` with `secret`; adds `iat` (now) when absent. */
export async function signJwt(claims: JwtClaims, secret: string): Promise<string> {
  const payload = { iat: nowSeconds(), ...claims };
  const unsigned = `${header}.${base64url(encoder.encode(JSON.stringify(payload)))}`;
  const signature = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    encoder.encode(unsigned),
  );
  return `${unsigned}.${base64url(new Uint8Array(signature))}`;
}

/** Verifies an HS256 token's signature and expiry and returns its claims; throws JwtError. */
export async function verifyJwt(token: string, secret: string): Promise<JwtClaims> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("malformed", "jwt malformed");
  const [encodedHeader, encodedPayload, encodedSignature] = parts;
  let alg: unknown, claims: JwtClaims, signature: Uint8Array<ArrayBuffer>;
  try {
    alg = JSON.parse(decodeText(encodedHeader)).alg;
    claims = JSON.parse(decodeText(encodedPayload));
    signature = fromBase64url(encodedSignature);
  } catch {
    throw new JwtError("malformed", "jwt malformed");
  }
  if (alg !== "HS256" || typeof claims !== "object" || claims === null) {
    throw new JwtError("malformed", "invalid algorithm");
  }
  const valid = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    signature,
    encoder.encode(`${encodedHeader}.${encodedPayload}`),
  );
  if (!valid) throw new JwtError("signature", "invalid signature");
  if (typeof claims.exp === "number" && claims.exp <= nowSeconds()) {
    throw new JwtError("expired", "jwt expired");
  }
  return claims;
}

/** Seconds since the epoch, as JWT time claims count them. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

// Every request carries a token, and a gateway knows one secret: importing
// its key once saves most of a verification's cost (PostgREST, too, keeps
// its key decoded).
const hmacKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    hmacKeys.set(secret, key);
  }
  return key;
}

function base64url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

/** The bytes of a JWT segment; throws SyntaxError on anything but base64url. */
function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.fromBase64(text, { alphabet: "base64url" });
}

const decoder = new TextDecoder();

function decodeText(text: string): string {
  return decoder.decode(fromBase64url(text));
}
