// The gateway itself: one HTTP server routing /functions/v1, /storage/v1, /rest/v1/rpc, /auth/v1,
// /realtime/v1, /export-center and /health, plus the exports_wake listener; `close()` stops it all,
// function processes included.
import postgres from "postgres";
import { handleAuth } from "./auth_route.ts";
import { exportCenterRoute } from "./export_center_route.ts";
import type { GatewayConfig } from "./config.ts";
import { FunctionHost } from "./function_host.ts";
import { handleFunction } from "./functions_route.ts";
import { serveWithNode } from "./node_server.ts";
import { startWebSocketRelay } from "./websocket_relay.ts";
import { ApiKeyError, type GatewayAuth } from "./request_claims.ts";
import { realtimePath, RealtimeServer } from "./realtime/server.ts";
import { handleRpc } from "./rpc_route.ts";
import { SchemaCache } from "./schema_cache.ts";
import { limitSecrets, type Profile } from "./profiles.ts";
import { loadProjectKeys } from "./signing_keys.ts";
import { Disk } from "./storage/disk.ts";
import { storageRoutes } from "./storage/routes.ts";
import { startWakeListener, type WakeListener } from "./wake_listener.ts";

/** The S3 access key and secret `supabase start` prints, for clients written against it. */
export const SUPABASE_START_S3 = {
  accessKeyId: "625729a08b95bf1b7ff351a663f3a23c",
  secretAccessKey: "850181e4652dd023b7a98c58ae0d2d34bd487ee0cc3254aed6eda37307425907",
};

/** Everything a gateway needs to run. */
export interface GatewayOptions {
  config: GatewayConfig;
  port: number;
  /** Folder for Storage's object bytes. */
  storageDir: string;
  /** Folder where function instances report their memory (function_host.ts); default none. */
  memoryReportsDir?: string;
  /** The plan it stands in for: the limits of function instances and of Storage uploads. */
  profile: Profile;
  /** Storage's global file size limit in bytes; default the profile's. */
  storageFileSizeLimit?: number;
  /** The S3 protocol's access key and secret; default those of `supabase start`. */
  s3Credentials?: { accessKeyId: string; secretAccessKey: string };
  databaseUrl: string;
  jwtSecret: string;
  /** The legacy anon key, a JWT signed with the JWT secret. */
  anonKey: string;
  /** The legacy service-role key, a JWT signed with the JWT secret. */
  serviceRoleKey: string;
  /** The `sb_publishable_…` key, standing for the anon role. */
  publishableKey: string;
  /** The `sb_secret_…` key, standing for the service role. */
  secretKey: string;
  /** The ES256 signing key as a private JWK (JSON); its public half is the JWKS. */
  signingKey: string;
  /** EXPORTS_WAKE_SECRET: handed to the functions and sent with each wake-up of the worker. */
  wakeSecret?: string;
}

/** A running gateway. */
export interface Gateway {
  url: string;
  close(): Promise<void>;
}

/** The worker the exports_wake notifications wake. */
export const workerFunctionName = "exports-worker";

/**
 * The least time between two wake-ups of the worker: what an export requested just after one
 * may wait for the next, against one HTTP exchange a request under a stream of them.
 */
const wakeIntervalMs = 20;

/** Starts a gateway on 127.0.0.1:`options.port`. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const url = `http://127.0.0.1:${options.port}`;
  const keys = await loadProjectKeys(options.signingKey, options.jwtSecret);
  const auth: GatewayAuth = {
    keys,
    publishableKey: options.publishableKey,
    secretKey: options.secretKey,
    issuer: `${url}/auth/v1`,
  };
  const sql = postgres(options.databaseUrl, { max: 10, onnotice: () => {} });
  const functions = new FunctionHost({
    limits: options.profile.functions,
    memoryReportsDir: options.memoryReportsDir,
    environment: {
      SUPABASE_URL: url,
      SUPABASE_ANON_KEY: options.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: options.serviceRoleKey,
      SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: options.publishableKey }),
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: options.secretKey }),
      SUPABASE_JWKS: JSON.stringify(keys.jwks),
      SUPABASE_DB_URL: options.databaseUrl,
      SUPABASE_JWT_SECRET: options.jwtSecret,
      ...(options.wakeSecret ? { EXPORTS_WAKE_SECRET: options.wakeSecret } : {}),
      ...limitSecrets(options.profile.functions),
    },
  });
  const storage = storageRoutes({
    sql,
    disk: new Disk(options.storageDir),
    jwtSecret: options.jwtSecret,
    auth,
    fileSizeLimit: options.storageFileSizeLimit ?? options.profile.storageFileSizeLimit,
    s3: { ...(options.s3Credentials ?? SUPABASE_START_S3), anonKey: options.anonKey },
  });
  const authContext = { sql, auth, signingKey: keys.signingKey, refreshTokens: new Map() };
  const exportCenter = exportCenterRoute({ publishableKey: options.publishableKey });
  const functionCache = new SchemaCache(sql);
  const rpc = { sql, functions: functionCache, config: options.config, auth };
  const realtime = new RealtimeServer({ databaseUrl: options.databaseUrl, sql, auth });

  let ready = false;
  const handler = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    try {
      // Healthy once started: whoever waits for /health and then notifies
      // exports_wake must find the listener in place.
      if (path === "/health") {
        return ready
          ? Response.json({ status: "ok" })
          : Response.json({ status: "starting" }, { status: 503 });
      }
      if (path.startsWith("/functions/v1/")) {
        return await handleFunction(request, path, options.config, functions, keys.verification);
      }
      if (path.startsWith("/storage/v1/")) return await storage.handle(request, path);
      if (path.startsWith("/rest/v1/rpc/")) return await handleRpc(request, path, rpc);
      if (path.startsWith("/auth/v1/")) return await handleAuth(request, path, authContext);
      if (path === "/export-center" || path.startsWith("/export-center/")) {
        return await exportCenter.handle(request, path);
      }
      if (path === realtimePath) return await realtime.handle(request);
      return Response.json({
        code: "NOT_FOUND",
        message: `${path} is not served by the local gateway (see local-stack/README.md)`,
      }, { status: 404 });
    } catch (error) {
      // The hosted gateway refuses a key it does not know before any service sees the request.
      if (error instanceof ApiKeyError) {
        return Response.json({ message: "Invalid API key", hint: "Double check your API key." }, {
          status: 401,
        });
      }
      // Server faults are logged here and answered without internals.
      console.error(`${request.method} ${path}:`, error);
      return Response.json({ code: "INTERNAL_ERROR", message: "Internal server error" }, {
        status: 500,
      });
    }
  };

  // Storage's clients talk to a Node HTTP server; node:http answers as it does (node_server.ts).
  // Realtime's WebSocket goes through the relay to Deno's own server (websocket_relay.ts).
  const websockets = startWebSocketRelay(handler);
  const server = await serveWithNode(handler, {
    hostname: "127.0.0.1",
    port: options.port,
    upgrade: websockets.upgrade,
  });
  let wakes: WakeListener | undefined;
  try {
    await functionCache.listen();
    await realtime.start();
    if (options.config.functions.has(workerFunctionName)) {
      // The wake-up pg_net would send, handed to this gateway's own router:
      // the same route, JWT check and function host as over HTTP, without the
      // CPU of a loopback request to itself. It carries the wake secret, as
      // pg_net's does, and the service-role key where none is set.
      const workerUrl = `${url}/functions/v1/${workerFunctionName}`;
      const wakeToken = options.wakeSecret ?? options.serviceRoleKey;
      wakes = await startWakeListener({
        databaseUrl: options.databaseUrl,
        deliver: () =>
          handler(
            new Request(workerUrl, {
              method: "POST",
              headers: {
                authorization: `Bearer ${wakeToken}`,
                "content-type": "application/json",
              },
              body: "{}",
            }),
          ),
        intervalMs: wakeIntervalMs,
      });
    }
  } catch (error) {
    await realtime.close();
    await server.close();
    await websockets.close();
    await sql.end();
    throw error;
  }
  ready = true;

  return {
    url,
    async close() {
      await wakes?.close();
      await realtime.close();
      await server.close();
      await websockets.close();
      await functions.close();
      await sql.end({ timeout: 5 });
    },
  };
}
