// The project's asymmetric JWT signing key, as Supabase Auth holds it: an ES256 private key that
// signs user sessions and the JWTs minted for API keys, and its public half published as a JWKS.
import type { SigningKey, VerificationKeys } from "./jwt.ts";

/** A public key as `/auth/v1/.well-known/jwks.json` lists it. */
export interface PublicJwk {
  kid: string;
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  alg: "ES256";
  use: "sig";
  key_ops: ["verify"];
}

/** The signing key and what the gateway publishes and verifies with. */
export interface ProjectKeys {
  signingKey: SigningKey;
  /** The JWKS: `{ keys: [...] }`, public keys only. */
  jwks: { keys: PublicJwk[] };
  verification: VerificationKeys;
}

/**
 * Loads the signing key from a private JWK (JSON with `kid`, `kty: "EC"`, `crv: "P-256"`, `x`,
 * `y`, `d`) and pairs it with the HS256 `secret`; throws on anything else.
 */
export async function loadProjectKeys(privateJwk: string, secret: string): Promise<ProjectKeys> {
  const { kid, kty, crv, x, y, d } = JSON.parse(privateJwk);
  if (typeof kid !== "string" || kty !== "EC" || crv !== "P-256" || !x || !y || !d) {
    throw new Error("the signing key must be an EC P-256 private JWK with a kid");
  }
  const algorithm = { name: "ECDSA", namedCurve: "P-256" };
  const privateKey = await crypto.subtle.importKey(
    "jwk",
    { kty, crv, x, y, d },
    algorithm,
    false,
    ["sign"],
  );
  const publicKey = await crypto.subtle.importKey("jwk", { kty, crv, x, y }, algorithm, true, [
    "verify",
  ]);
  const jwk: PublicJwk = {
    kid,
    kty,
    crv,
    x,
    y,
    alg: "ES256",
    use: "sig",
    key_ops: ["verify"],
  };
  return {
    signingKey: { kid, privateKey },
    jwks: { keys: [jwk] },
    verification: { secret, publicKeys: new Map([[kid, publicKey]]) },
  };
}

/** A fresh ES256 key pair as a private JWK string: a stranger's key, for tests of refusals. */
export async function generatePrivateJwk(): Promise<string> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const { kty, crv, x, y, d } = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return JSON.stringify({ kid: crypto.randomUUID(), kty, crv, x, y, d });
}
