// JSON Web Tokens with WebCrypto: HS256 with the project's JWT secret (the legacy anon and
// service-role keys, Storage's signed URLs) and ES256 with its asymmetric signing key, whose
// public half the JWKS publishes (user sessions, the JWTs the gateway mints for API keys).

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

/** An ES256 private key with its key id, as `signing_keys.ts` loads it. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
}

/** What a token may be verified with: the HS256 secret and the published ES256 public keys. */
export interface VerificationKeys {
  secret: string;
  /** Public JWKs by key id. */
  publicKeys: Map<string, CryptoKey>;
}

const encoder = new TextEncoder();
const header = base64url(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
const ecdsa = { name: "ECDSA", hash: "SHA-256" } as const;

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

/** Signs `claims` with an ES256 key, naming it in the header's `kid`; adds `iat` when absent. */
export async function signJwtEs256(claims: JwtClaims, key: SigningKey): Promise<string> {
  const payload = { iat: nowSeconds(), ...claims };
  const esHeader = { alg: "ES256", typ: "JWT", kid: key.kid };
  const unsigned = `${base64url(encoder.encode(JSON.stringify(esHeader)))}.${
    base64url(encoder.encode(JSON.stringify(payload)))
  }`;
  const signature = await crypto.subtle.sign(ecdsa, key.privateKey, encoder.encode(unsigned));
  return `${unsigned}.${base64url(new Uint8Array(signature))}`;
}

/**
 * Verifies a token's signature and expiry and returns its claims; throws JwtError. A string
 * verifies HS256 only (Storage's signed URLs); `VerificationKeys` also take ES256 tokens whose
 * `kid` names one of its public keys. Any other algorithm, `none` included, is refused.
 */
export async function verifyJwt(
  token: string,
  keys: string | VerificationKeys,
): Promise<JwtClaims> {
  const { secret, publicKeys } = typeof keys === "string"
    ? { secret: keys, publicKeys: new Map<string, CryptoKey>() }
    : keys;
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("malformed", "jwt malformed");
  const [encodedHeader, encodedPayload, encodedSignature] = parts;
  let alg: unknown, kid: unknown, claims: JwtClaims, signature: Uint8Array<ArrayBuffer>;
  try {
    ({ alg, kid } = JSON.parse(decodeText(encodedHeader)));
    claims = JSON.parse(decodeText(encodedPayload));
    signature = fromBase64url(encodedSignature);
  } catch {
    throw new JwtError("malformed", "jwt malformed");
  }
  if ((alg !== "HS256" && alg !== "ES256") || typeof claims !== "object" || claims === null) {
    throw new JwtError("malformed", "invalid algorithm");
  }
  const signed = encoder.encode(`${encodedHeader}.${encodedPayload}`);
  let valid: boolean;
  if (alg === "HS256") {
    valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), signature, signed);
  } else {
    const publicKey = typeof kid === "string" ? publicKeys.get(kid) : undefined;
    if (!publicKey) throw new JwtError("signature", "no matching signing key");
    valid = await crypto.subtle.verify(ecdsa, publicKey, signature, signed);
  }
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
