// Who may join a channel, decided as hosted Realtime decides it: the access token verified like
// every token the gateway takes (HS256 with the JWT secret, ES256 with the JWKS), with the
// server's own wording for a refusal; and for a private channel, the RLS on realtime.messages,
// checked the way lib/realtime/tenants/authorization.ex checks it.
import type postgres from "postgres";
import { type JwtClaims, JwtError, nowSeconds, verifyJwt } from "../jwt.ts";
import type { VerificationKeys } from "../jwt.ts";

/** A refusal, worded as Realtime's channel replies word it ("<Code>: <message>", or the message). */
export class ChannelRefusal extends Error {
  constructor(readonly code: string | null, readonly detail: string) {
    super(code === null ? detail : `${code}: ${detail}`);
    this.name = "ChannelRefusal";
  }
}

/**
 * The claims of a channel's access token. Realtime requires `role` and `exp`: a token without
 * them is refused, as is an expired one ("Token has expired N seconds ago").
 */
export async function verifyAccessToken(
  token: string,
  keys: VerificationKeys,
): Promise<JwtClaims> {
  let claims: JwtClaims;
  try {
    claims = await verifyJwt(token, keys);
  } catch (error) {
    if (!(error instanceof JwtError)) throw error;
    if (error.reason === "expired") {
      const exp = expiryOf(token);
      throw new ChannelRefusal(
        "InvalidJWTToken",
        `Token has expired ${Math.max(nowSeconds() - exp, 0)} seconds ago`,
      );
    }
    if (error.reason === "signature") {
      throw new ChannelRefusal("JwtSignatureError", "Failed to validate JWT signature");
    }
    throw new ChannelRefusal("MalformedJWT", "The token provided is not a valid JWT");
  }
  if (typeof claims.role !== "string" || typeof claims.exp !== "number") {
    throw new ChannelRefusal("InvalidJWTToken", "Fields `role` and `exp` are required in JWT");
  }
  return claims;
}

/** The `exp` of a token whose signature verified but which has expired. */
function expiryOf(token: string): number {
  const payload = token.split(".")[1];
  const claims = JSON.parse(
    new TextDecoder().decode(Uint8Array.fromBase64(payload, { alphabet: "base64url" })),
  );
  return Number(claims.exp);
}

/** The refusal of a private channel whose topic the user may not read. */
export function unauthorized(subTopic: string): ChannelRefusal {
  return new ChannelRefusal(
    "Unauthorized",
    `You do not have permissions to read from this Channel topic: ${subTopic}`,
  );
}

/** What RLS lets a user do on a topic. */
export interface TopicPolicies {
  read: boolean;
  write: boolean;
}

/**
 * Runs Realtime's checks for `subTopic` as the token's role and claims, in one transaction rolled
 * back at the end: a broadcast message on the topic is inserted with the server's rights and
 * selected as the user (read), then inserted as the user (write), with `realtime.topic` set as
 * the policies read it. An error in a policy (a role that does not exist, say) counts as no; a
 * database out of reach is refused as Realtime refuses it.
 */
export async function topicPolicies(
  sql: postgres.Sql,
  subTopic: string,
  claims: JwtClaims,
): Promise<TopicPolicies> {
  let connection: postgres.ReservedSql;
  try {
    connection = await sql.reserve();
  } catch (error) {
    throw unreachable(error);
  }
  // A connection lost mid-check is not rolled back: postgres.js would queue the rollback on a
  // socket that is gone and never settle it (porsager/postgres#1208); the server rolls back a
  // transaction whose connection ended.
  let lost = false;
  try {
    try {
      await connection`begin`;
      const [probe] = await connection<{ id: string }[]>`
        insert into realtime.messages (topic, extension) values (${subTopic}, 'broadcast') returning id`;
      await connection`
        select set_config('role', ${String(claims.role)}, true),
               set_config('realtime.topic', ${subTopic}, true),
               set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
               set_config('request.headers', '{}', true)`;
      const readable = await connection`
        select 1 from realtime.messages
        where topic = ${subTopic} and extension = 'broadcast' and id = ${probe.id}`;
      let write = true;
      try {
        await connection`savepoint write_check`;
        await connection`insert into realtime.messages (topic, extension) values (${subTopic}, 'broadcast')`;
      } catch (error) {
        if ((error as Error).name !== "PostgresError") throw error;
        write = false;
      }
      return { read: readable.length > 0, write };
    } catch (error) {
      if ((error as Error).name !== "PostgresError") {
        lost = true;
        throw unreachable(error);
      }
      console.error(`realtime: policies for ${subTopic}:`, (error as Error).message);
      return { read: false, write: false };
    } finally {
      if (!lost) await connection`rollback`.catch(() => {});
    }
  } finally {
    connection.release();
  }
}

/** Realtime's answer when it cannot run the checks: the database is out of reach. */
function unreachable(error: unknown): ChannelRefusal {
  console.error("realtime: policies could not be checked:", (error as Error).message);
  return new ChannelRefusal(null, "Realtime was unable to connect to the project database");
}
