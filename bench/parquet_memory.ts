// The Parquet writer's memory on its own: parquetFile over synthetic COPY
// text shaped like the traces source's spans (the same columns, types and
// value lengths as bench/seed/traces.sql), with the process's peak RSS and
// heap printed, so a change to the writer is measured in seconds without a
// stack. The real figure is the traces group of bench/run.
//   deno run -A bench/parquet_memory.ts [--rows N] [--group-rows N] [--group-bytes N]
import { parseArgs } from "node:util";
import { parquetFile } from "../functions/_shared/files/parquet_writer.ts";
import { pgTypes } from "../functions/_shared/files/cell_value.ts";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    "group-rows": { type: "string" },
    "group-bytes": { type: "string" },
    "no-writer": { type: "boolean", default: false },
  },
});
const rows = Number(args.rows);
const text = 25;
const columns = [
  ["trace_id", text],
  ["span_id", text],
  ["parent_span_id", text],
  ["name", text],
  ["kind", text],
  ["gen_ai.operation.name", text],
  ["gen_ai.provider.name", text],
  ["gen_ai.request.model", text],
  ["gen_ai.response.model", text],
  ["gen_ai.response.id", text],
  ["gen_ai.request.temperature", pgTypes.float8],
  ["gen_ai.request.max_tokens", pgTypes.int4],
  ["gen_ai.response.finish_reasons", 1009],
  ["gen_ai.conversation.id", 2950],
  ["gen_ai.agent.name", text],
  ["gen_ai.tool.name", text],
  ["gen_ai.input.messages", 3802],
  ["gen_ai.output.messages", 3802],
  ["gen_ai.usage.input_tokens", pgTypes.int4],
  ["gen_ai.usage.output_tokens", pgTypes.int4],
  ["cost_usd", pgTypes.numeric],
  ["duration_ms", pgTypes.float8],
  ["status_code", text],
  ["status_message", text],
  ["error.type", text],
  ["start_time", pgTypes.timestamptz],
  ["end_time", pgTypes.timestamptz],
].map(([name, type]) => ({ name: name as string, type: type as number }));

const lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor " +
  "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud " +
  "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor " +
  "in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.";
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const at = (seconds: number) => new Date(Date.UTC(2025, 0, 1) + seconds).toISOString();
const timestamp = (ms: number) => at(ms).replace("T", " ").replace("Z", "+00");

/** The span `s` as the cursor gives it: every value its own new string. */
function span(s: number): Record<string, string | null> {
  const t = Math.floor(s / 4);
  const k = s % 4;
  const chat = k === 1 || k === 2;
  const failed = k === 1 && t % 50 === 0;
  const model = t % 2 === 0 ? "gpt-4o-mini" : "claude-sonnet-4-5";
  const start = t * 7000 + k * 1200;
  const input = lorem.substring((t * 7) % 300, (t * 7) % 300 + 80 + (t * 11) % 120);
  const output = lorem.substring((t * 13) % 300, (t * 13) % 300 + 60 + (t * 17) % 140);
  return {
    trace_id: hex(t, 32),
    span_id: hex(s, 16),
    parent_span_id: k === 0 ? null : hex(t * 4, 16),
    name: k === 0
      ? "invoke_agent support-assistant"
      : k === 3
      ? "execute_tool lookup_order"
      : `chat ${model}`,
    kind: chat ? "CLIENT" : "INTERNAL",
    "gen_ai.operation.name": k === 0 ? "invoke_agent" : k === 3 ? "execute_tool" : "chat",
    "gen_ai.provider.name": chat ? (t % 2 === 0 ? "openai" : "anthropic") : null,
    "gen_ai.request.model": chat ? model : null,
    "gen_ai.response.model": chat && !failed ? `${model}-2025` : null,
    "gen_ai.response.id": chat && !failed ? `resp_${hex(s, 24)}` : null,
    "gen_ai.request.temperature": chat ? "0.2" : null,
    "gen_ai.request.max_tokens": chat ? "1024" : null,
    "gen_ai.response.finish_reasons": chat && !failed ? "{stop}" : null,
    "gen_ai.conversation.id": `00000000-0000-4000-8000-${hex(t % 1000, 12)}`,
    "gen_ai.agent.name": k === 0 ? "support-assistant" : null,
    "gen_ai.tool.name": k === 3 ? "lookup_order" : null,
    "gen_ai.input.messages": chat
      ? `[{"role": "system", "parts": [{"type": "text", "content": "You are a helpful assistant."}]}, {"role": "user", "parts": [{"type": "text", "content": "${input}"}]}]`
      : null,
    "gen_ai.output.messages": chat && !failed
      ? `[{"role": "assistant", "parts": [{"type": "text", "content": "${output}"}], "finish_reason": "stop"}]`
      : null,
    "gen_ai.usage.input_tokens": chat ? String(40 + (t * 7) % 120) : null,
    "gen_ai.usage.output_tokens": chat && !failed ? String(15 + (t * 11) % 140) : null,
    cost_usd: chat ? ((40 + (t * 7) % 120) * 0.15 / 1e6).toFixed(6) : null,
    duration_ms: String(300 + (s * 37) % 900),
    status_code: failed ? "ERROR" : "OK",
    status_message: failed ? "Rate limit reached for requests per minute" : null,
    "error.type": failed ? "RateLimitError" : null,
    start_time: timestamp(start),
    end_time: timestamp(start + 300 + (s * 37) % 900),
  };
}

let peakRss = 0;
let peakHeap = 0;
let peakExternal = 0;
const sample = () => {
  const { rss, heapTotal, external } = Deno.memoryUsage();
  peakRss = Math.max(peakRss, rss);
  peakHeap = Math.max(peakHeap, heapTotal);
  peakExternal = Math.max(peakExternal, external);
};

// COPY's text of a cycle of spans, made once, so that the generator's own
// garbage stays out of the figure; each block is a new copy, as each read
// from the socket is.
const cycle = 4000;
const escaped = (text: string) =>
  text.replaceAll("\\", "\\\\").replaceAll("\t", "\\t").replaceAll("\n", "\\n");
const copyText = new TextEncoder().encode(
  Array.from({ length: cycle }, (_, s) => {
    const row = span(s);
    return columns.map(({ name }) => row[name] === null ? "\\N" : escaped(row[name]!)).join("\t") +
      "\n";
  }).join(""),
);

async function* blocks(): AsyncGenerator<Uint8Array> {
  const cycles = Math.ceil(rows / cycle);
  const block = 64 * 1024;
  for (let c = 0; c < cycles; c++) {
    const text = c < cycles - 1 || rows % cycle === 0
      ? copyText
      : copyText.subarray(0, nthNewline(copyText, rows % cycle));
    for (let at = 0; at < text.length; at += block) {
      sample();
      yield text.slice(at, at + block);
    }
  }
}

/** Where the bytes of the first `n` rows of `text` end. */
function nthNewline(text: Uint8Array, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) at = text.indexOf(10, at + 1);
  return at + 1;
}

const started = performance.now();
sample();
const idle = peakRss;
let bytes = 0;
// --no-writer: the batches alone, the floor the writer adds to.
const file = args["no-writer"]
  ? ReadableStream.from(blocks()).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform: (block, controller) => controller.enqueue(block.subarray(0, 1)),
    }),
  )
  : parquetFile(ReadableStream.from(blocks()), {
    columns,
    title: "traces",
    rowGroupRows: args["group-rows"] ? Number(args["group-rows"]) : undefined,
    rowGroupBytes: args["group-bytes"] ? Number(args["group-bytes"]) : undefined,
  });
for await (const chunk of file) {
  bytes += chunk.length;
  sample();
}
// The kernel's high-water mark catches the peak inside a row group's write.
const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))![1]) * 1024;
const mb = (n: number) => (n / 1e6).toFixed(1);
console.log(
  `${rows} rows: ${mb(bytes)} MB of Parquet in ${
    ((performance.now() - started) / 1000).toFixed(1)
  } s; ` +
    `RSS ${mb(idle)} MB idle, sampled peak ${mb(peakRss)} MB, VmHWM ${mb(hwm)} MB; ` +
    `V8 heap peak ${mb(peakHeap)} MB, external ${mb(peakExternal)} MB`,
);
