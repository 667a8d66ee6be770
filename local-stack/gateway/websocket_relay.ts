// WebSocket upgrades for a gateway served through node:http. The Realtime stand-in speaks
// WebSocket through Deno.upgradeWebSocket, which needs Deno's own server: upgrade requests are
// relayed, bytes as they come, to a Deno.serve on a private loopback port that answers them with
// the same fetch-style handler.
import type { Buffer } from "node:buffer";
import type { IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";

/** Relays upgrade requests to `handler`; `close()` stops the private server. */
export interface WebSocketRelay {
  /** node:http's `upgrade` listener. */
  upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void;
  close(): Promise<void>;
}

/** Starts the private server behind the relay. */
export function startWebSocketRelay(
  handler: (request: Request) => Promise<Response>,
): WebSocketRelay {
  const sockets = new Set<Socket>();
  const inner = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  return {
    upgrade(request, socket, head) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      const upstream = connect(inner.addr.port, "127.0.0.1", () => {
        // The request head as the client sent it: node:http has read it, Deno's server reads it again.
        let lines = `${request.method} ${request.url} HTTP/1.1\r\n`;
        for (let i = 0; i < request.rawHeaders.length; i += 2) {
          lines += `${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}\r\n`;
        }
        upstream.write(`${lines}\r\n`);
        if (head.length) upstream.write(head);
        socket.pipe(upstream).pipe(socket);
      });
      upstream.on("error", () => socket.destroy());
      socket.on("error", () => upstream.destroy());
      upstream.once("close", () => socket.destroy());
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await inner.shutdown();
    },
  };
}
