// Runs one edge function in its own process as the hosted edge runtime would: `Deno.serve` binds
// the function's handler to the loopback port the gateway chose, and `EdgeRuntime.waitUntil` lets
// work go on after the response. Usage: function_bootstrap.ts <port> <entrypoint URL> [<memory
// reports folder>].
//
// The gateway retires an instance by writing `retire` to its stdin (function_host.ts). Like the
// edge runtime's per-worker supervisor, a retired instance dispatches `drain` once no request is
// in flight, and ends (an "early drop", after `beforeunload`) once the work passed to waitUntil
// has settled too. It also ends when its stdin closes: the gateway is gone.

const [port, entrypoint, memoryReports] = Deno.args;
const serve = Deno.serve.bind(Deno);

let requestsInFlight = 0;
const pendingWork = new Set<Promise<unknown>>();
let retired = false;
let drained = false;

/** Dispatches `drain`, then ends the instance, once a retired instance has nothing left to do. */
function settleIfRetired(): void {
  if (!retired || requestsInFlight > 0) return;
  if (!drained) {
    drained = true;
    globalThis.dispatchEvent(new Event("drain"));
  }
  if (pendingWork.size > 0) return;
  globalThis.dispatchEvent(new CustomEvent("beforeunload", { detail: { reason: "EarlyDrop" } }));
  Deno.exit(0);
}

// Work passed to waitUntil keeps running after the response; failures are logged, as the hosted
// runtime logs them, instead of crashing the function.
Object.defineProperty(globalThis, "EdgeRuntime", {
  value: {
    waitUntil(promise: Promise<unknown>): Promise<unknown> {
      const work = Promise.resolve(promise).catch((error) => console.error("waitUntil:", error));
      pendingWork.add(work);
      work.finally(() => {
        pendingWork.delete(work);
        settleIfRetired();
      });
      return work;
    },
  },
});

// The edge runtime counts a function's memory as V8's used heap plus its external memory
// (ArrayBuffers), checked as they grow, not the process's resident set, which also holds the
// runtime. The instance keeps the peak of that sum in `<memoryReports>/<pid>.json`, sampled, for
// benchmarks to read beside the resident set the host reads from /proc.
if (memoryReports) {
  const file = `${memoryReports}/${Deno.pid}.json`;
  let peak = { bytes: 0, heapUsed: 0, external: 0 };
  let reported = -1;
  const sample = () => {
    const { heapUsed, external } = Deno.memoryUsage();
    if (heapUsed + external > peak.bytes) peak = { bytes: heapUsed + external, heapUsed, external };
    // Written when the peak has grown by a MiB, so that sampling costs the instance little.
    if (peak.bytes - reported >= 1 << 20) {
      reported = peak.bytes;
      Deno.writeTextFileSync(file, JSON.stringify(peak));
    }
  };
  sample();
  Deno.unrefTimer(setInterval(sample, 20));
}

type Handler = Deno.ServeHandler<Deno.NetAddr>;
type Options = Partial<Deno.ServeTcpOptions> & { handler?: Handler };

/** `handler`, counting each request in flight until its response body has been sent. */
function counted(handler: Handler): Handler {
  return async (request, info) => {
    requestsInFlight++;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      requestsInFlight--;
      settleIfRetired();
    };
    let response: Response;
    try {
      response = await handler(request, info);
    } catch (error) {
      end();
      throw error;
    }
    if (!response.body) {
      end();
      return response;
    }
    // The request is over when its body has been read to the end, failed, or been canceled by a
    // client that went away.
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            end();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          end();
          controller.error(error);
        }
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    });
    return new Response(body, response);
  };
}

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
  }, counted(handler));
}) as typeof Deno.serve;

/** Follows the gateway's instructions on stdin until it closes. */
async function followGateway(): Promise<void> {
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  for await (const chunk of lines) {
    if (chunk.split("\n").includes("retire")) {
      retired = true;
      settleIfRetired();
    }
  }
  Deno.exit(0);
}

followGateway();
await import(entrypoint);
