// The Realtime stand-in's endpoint, /realtime/v1/websocket: checks the API key as the hosted
// gateway does, negotiates the serializer (`vsn`) and upgrades with Deno.upgradeWebSocket. The
// connections themselves (connection.ts) take any WebSocket with send and close, so a node:http
// server with the npm `ws` package could host them the same way.
import type postgres from "postgres";
import { JwtError, verifyJwt } from "../jwt.ts";
import type { GatewayAuth } from "../request_claims.ts";
import { type KeyCaller, RealtimeConnection } from "./connection.ts";
import { MessageHub } from "./hub.ts";
import { negotiateVsn } from "./protocol.ts";

/** The path realtime-js connects to under SUPABASE_URL. */
export const realtimePath = "/realtime/v1/websocket";

// The caller an `sb_` key stands for has no token of its own and never expires on a socket.
const keyLifetimeSeconds = 100 * 365 * 24 * 3600;

/** The stand-in: one delivery hub and the open connections. */
export class RealtimeServer {
  #hub: MessageHub;
  #sockets = new Set<WebSocket>();

  constructor(
    readonly options: { databaseUrl: string; sql: postgres.Sql; auth: GatewayAuth },
  ) {
    this.#hub = new MessageHub(options.databaseUrl, options.sql);
  }

  /** Resolves once new messages are being listened for. */
  start(): Promise<void> {
    return this.#hub.start();
  }

  /** Upgrades a request for the endpoint; refuses a missing or unknown API key with 401. */
  async handle(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ message: "Expected a WebSocket upgrade" }, { status: 400 });
    }
    const url = new URL(request.url);
    const vsn = negotiateVsn(url.searchParams.get("vsn"));
    if (vsn === null) {
      return Response.json({ message: "Unsupported serializer version" }, { status: 400 });
    }
    const apikey = url.searchParams.get("apikey") ?? request.headers.get("apikey");
    const keyCaller = apikey === null ? null : await this.#keyCaller(apikey);
    if (keyCaller === null) {
      return Response.json({ message: "Invalid API key", hint: "Double check your API key." }, {
        status: 401,
      });
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.binaryType = "arraybuffer";
    const connection = new RealtimeConnection(socket, vsn, {
      sql: this.options.sql,
      hub: this.#hub,
      keys: this.options.auth.keys.verification,
    }, keyCaller);
    this.#sockets.add(socket);
    socket.onmessage = (event) => connection.receive(event.data);
    socket.onclose = () => {
      this.#sockets.delete(socket);
      connection.closed();
    };
    socket.onerror = () => {};
    return response;
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.close(1001, "server shutting down");
    await this.#hub.close();
  }

  async #keyCaller(apikey: string): Promise<KeyCaller | null> {
    const { auth } = this.options;
    const role = apikey === auth.publishableKey
      ? "anon"
      : apikey === auth.secretKey
      ? "service_role"
      : null;
    if (role !== null) {
      const iat = Math.floor(Date.now() / 1000);
      return {
        token: apikey,
        claims: { iss: auth.issuer, role, iat, exp: iat + keyLifetimeSeconds },
      };
    }
    if (apikey.startsWith("sb_")) return null;
    try {
      return { token: apikey, claims: await verifyJwt(apikey, auth.keys.verification) };
    } catch (error) {
      if (error instanceof JwtError) return null;
      throw error;
    }
  }
}
