// `scripts/mint-jwt <email> [seconds]`: ensures a local user with that email and prints an access
// token for it, valid for `seconds` (default 3600).
import postgres from "postgres";
import { ensureUser, mintUserJwt } from "./users.ts";

const [email, seconds = "3600"] = Deno.args;
const databaseUrl = Deno.env.get("SUPABASE_DB_URL");
const secret = Deno.env.get("SUPABASE_JWT_SECRET");
if (!email || !/^[^@\s]+@[^@\s]+$/.test(email) || !/^-?\d+$/.test(seconds)) {
  console.error(
    "usage: scripts/mint-jwt <email> [seconds]   e.g. scripts/mint-jwt alice@example.com",
  );
  Deno.exit(2);
}
if (!databaseUrl || !secret) {
  console.error(
    "error: SUPABASE_DB_URL and SUPABASE_JWT_SECRET are not set; source scripts/lib/env.sh",
  );
  Deno.exit(2);
}
const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
try {
  const user = await ensureUser(sql, email);
  const issuer = `${Deno.env.get("SUPABASE_URL") ?? "http://127.0.0.1:54321"}/auth/v1`;
  console.log(await mintUserJwt(user, { secret, expiresIn: Number(seconds), issuer }));
} finally {
  await sql.end();
}
