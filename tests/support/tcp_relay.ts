// A TCP relay of a test's own in front of the local Postgres, for tests of
// what a client does when the database goes away: it can drop every
// connection through it and refuse new ones, then accept them again.

/** A relay to `target`'s host and port; starts closed (connections are refused). */
export function tcpRelay(target: URL) {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const connections = new Set<Deno.Conn>();
  let listener: Deno.Listener | null = null;
  const closeQuietly = (conn: Deno.Conn) => {
    connections.delete(conn);
    try {
      conn.close();
    } catch {
      // Already closed from the other side.
    }
  };
  const accept = async (server: Deno.Listener) => {
    for await (const client of server) {
      const upstream = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
      connections.add(client).add(upstream);
      const close = () => [client, upstream].forEach(closeQuietly);
      client.readable.pipeTo(upstream.writable, { preventClose: true }).catch(() => {})
        .finally(close);
      upstream.readable.pipeTo(client.writable, { preventClose: true }).catch(() => {})
        .finally(close);
    }
  };
  return {
    /** `target` with the relay's host and port. */
    url(): string {
      const url = new URL(target);
      url.hostname = "127.0.0.1";
      url.port = String(port);
      return url.toString();
    },
    /** Accepts connections. */
    up(): void {
      listener = Deno.listen({ hostname: "127.0.0.1", port });
      accept(listener).catch(() => {});
    },
    /** Refuses new connections and drops the open ones. */
    down(): void {
      listener?.close();
      listener = null;
      [...connections].forEach(closeQuietly);
    },
  };
}
