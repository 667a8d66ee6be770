// `scripts/mint-jwt [--alg ES256|HS256] <email> [seconds]`: ensures a local user with that email
// and prints an access token for it, valid for `seconds` (default 3600), signed with the
// project's ES256 signing key (the default, as Supabase Auth signs sessions today) or with the
// legacy HS256 JWT secret.
import postgres from "postgres";
import { loadProjectKeys } from "./signing_keys.ts";
import { ensureUser, mintUserJwt } from "./users.ts";

const usage = "usage: scripts/mint-jwt [--alg ES256|HS256] <email> [seconds]" +
  "   e.g. scripts/mint-jwt alice@example.com";
// Parsed by hand: a negative lifetime ("-60", an expired token) is a positional, not an option.
const args = [...Deno.args];
let alg = "ES256";
const algAt = args.findIndex((arg) => arg === "--alg" || arg.startsWith("--alg="));
if (algAt >= 0) {
  const [flag] = args.splice(algAt, 1);
  alg = flag.includes("=") ? flag.slice("--alg=".length) : args.splice(algAt, 1)[0] ?? "";
}
const [email, seconds = "3600", ...extra] = args;
if (
  !email || !/^[^@\s]+@[^@\s]+$/.test(email) || !/^-?\d+$/.test(seconds) || extra.length > 0 ||
  (alg !== "ES256" && alg !== "HS256")
) {
  console.error(usage);
  Deno.exit(2);
}
const databaseUrl = Deno.env.get("SUPABASE_DB_URL");
const secret = Deno.env.get("SUPABASE_JWT_SECRET");
const signingKey = Deno.env.get("LOCAL_JWT_SIGNING_KEY");
if (!databaseUrl || !secret || !signingKey) {
  console.error(
    "error: SUPABASE_DB_URL, SUPABASE_JWT_SECRET and LOCAL_JWT_SIGNING_KEY are not set; " +
      "source scripts/lib/env.sh",
  );
  Deno.exit(2);
}
const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
try {
  const user = await ensureUser(sql, email);
  const issuer = `${Deno.env.get("SUPABASE_URL") ?? "http://127.0.0.1:54321"}/auth/v1`;
  const expiresIn = Number(seconds);
  const token = alg === "HS256"
    ? await mintUserJwt(user, { secret, expiresIn, issuer })
    : await mintUserJwt(user, {
      signingKey: (await loadProjectKeys(signingKey, secret)).signingKey,
      expiresIn,
      issuer,
    });
  console.log(token);
} finally {
  await sql.end();
}
