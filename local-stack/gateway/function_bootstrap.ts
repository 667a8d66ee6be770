// Runs one edge function in its own process as the hosted edge runtime would: `Deno.serve` binds
// the function's handler to the loopback port the gateway chose, and `EdgeRuntime.waitUntil` lets
// work go on after the response. Usage: function_bootstrap.ts <port> <entrypoint URL>.

const [port, entrypoint] = Deno.args;
const serve = Deno.serve.bind(Deno);

// Work passed to waitUntil keeps running simply because the process stays warm; failures are
// logged, as the hosted runtime logs them, instead of crashing the function.
Object.defineProperty(globalThis, "EdgeRuntime", {
  value: {
    waitUntil(promise: Promise<unknown>): Promise<unknown> {
      return Promise.resolve(promise).catch((error) => console.error("waitUntil:", error));
    },
  },
});

type Handler = Deno.ServeHandler<Deno.NetAddr>;
type Options = Partial<Deno.ServeTcpOptions> & { handler?: Handler };

Deno.serve = ((first: Handler | Options, second?: Handler) => {
  const options: Options = typeof first === "function" ? {} : first;
  const handler = typeof first === "function" ? first : second ?? first.handler;
  if (!handler) throw new TypeError("Deno.serve needs a handler");
  return serve({
    hostname: "127.0.0.1",
    port: Number(port),
    onError: options.onError,
    signal: options.signal,
    onListen: () => {},
  }, handler);
}) as typeof Deno.serve;

await import(entrypoint);
