// The benchmark's sizes and repetitions: the full sizes by default,
// tiny ones with --smoke, each overridable on the command line.
import { parseArgs } from "node:util";

/** Everything a run is parameterized by. */
export interface BenchConfig {
  /** Tiny sizes, one run each: proves every path works, measures nothing. */
  smoke: boolean;
  /** Samples taken of each figure (the median of these is reported). */
  runs: number;
  /** Messages in the bench user's conversations (the large exports' row count). */
  messages: number;
  /** Conversations the bench user's messages are spread over. */
  conversations: number;
  /** The smaller export, run to compare the worker's peak memory with the large one. */
  smallMessages: number;
  /** Rows of the XLSX and PDF exports; null means each format's row cap, read from SQL. */
  capRows: number | null;
  /** Other users whose rows sit in the same tables, so that RLS has rows to reject. */
  otherUsers: number;
  /** Messages (and budget line items) each other user owns. */
  otherUserMessages: number;
  /** Rows of the exports table for the RPC latency figures. */
  exportRows: number;
  /** Users those exports are spread over. */
  exportUsers: number;
  /** Empty exports claimed and completed per queue sample. */
  queueExports: number;
  /** RPC calls per latency sample (p50 and p99 are taken over these). */
  rpcCalls: number;
  /** How long the long export of the "beside" figures runs, in seconds. */
  longExportSeconds: number;
  /** Clients subscribed to one private topic for the Realtime figures. */
  realtimeSubscribers: number;
  /** Broadcasts sent per Realtime sample (p50 and p99 are taken over their arrivals). */
  realtimeMessages: number;
  /** Trace spans of the large bench user, for the Parquet figures (seeded only for them). */
  traceSpans: number;
  /** The groups of figures to measure (all by default). */
  only: FigureGroup[];
}

/** The groups of figures, in the order they are measured. */
export const figureGroups = [
  "queue",
  "rpc",
  "exports",
  "report",
  "links",
  "beside",
  "realtime",
  "traces",
] as const;

/** One group of figures, selectable with --only. */
export type FigureGroup = typeof figureGroups[number];

const full: BenchConfig = {
  smoke: false,
  runs: 5,
  messages: 1_000_000,
  conversations: 100_000,
  smallMessages: 100_000,
  capRows: null,
  otherUsers: 1_000,
  otherUserMessages: 1_000,
  exportRows: 1_000_000,
  exportUsers: 10_000,
  queueExports: 10_000,
  rpcCalls: 1_000,
  longExportSeconds: 60,
  realtimeSubscribers: 100,
  realtimeMessages: 200,
  traceSpans: 1_000_000,
  only: [...figureGroups],
};

const smoke: BenchConfig = {
  smoke: true,
  runs: 1,
  messages: 2_000,
  conversations: 200,
  smallMessages: 200,
  capRows: 300,
  otherUsers: 5,
  otherUserMessages: 100,
  exportRows: 2_000,
  exportUsers: 20,
  queueExports: 100,
  rpcCalls: 20,
  longExportSeconds: 3,
  realtimeSubscribers: 5,
  realtimeMessages: 5,
  traceSpans: 2_000,
  only: [...figureGroups],
};

const usage = `usage: bench/run [--smoke] [--runs N] [--messages N] [--conversations N]
                 [--small-messages N] [--cap-rows N] [--other-users N] [--other-user-messages N]
                 [--export-rows N] [--export-users N] [--queue-exports N] [--rpc-calls N]
                 [--long-export-seconds N] [--realtime-subscribers N] [--realtime-messages N]
                 [--trace-spans N] [--only queue,rpc,exports,report,links,beside,realtime,traces]`;

const numericOptions = {
  "runs": "runs",
  "messages": "messages",
  "conversations": "conversations",
  "small-messages": "smallMessages",
  "cap-rows": "capRows",
  "other-users": "otherUsers",
  "other-user-messages": "otherUserMessages",
  "export-rows": "exportRows",
  "export-users": "exportUsers",
  "queue-exports": "queueExports",
  "rpc-calls": "rpcCalls",
  "long-export-seconds": "longExportSeconds",
  "realtime-subscribers": "realtimeSubscribers",
  "realtime-messages": "realtimeMessages",
  "trace-spans": "traceSpans",
} as const satisfies Record<string, keyof BenchConfig>;

/** Parses the command line; throws with the usage text on anything it does not know. */
export function parseConfig(args: string[]): BenchConfig | "help" {
  const options = Object.fromEntries(
    Object.keys(numericOptions).map((name) => [name, { type: "string" as const }]),
  );
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        ...options,
        only: { type: "string" },
        smoke: { type: "boolean" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${usage}`);
  }
  if (parsed.values.help) return "help";
  const config: BenchConfig = { ...(parsed.values.smoke ? smoke : full) };
  for (const [flag, key] of Object.entries(numericOptions)) {
    const text = (parsed.values as Record<string, string | boolean | undefined>)[flag];
    if (typeof text !== "string") continue;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`--${flag} must be a positive whole number, got '${text}'\n${usage}`);
    }
    (config[key] as number | null) = value;
  }
  if (parsed.values.only !== undefined) {
    const groups = parsed.values.only.split(",").map((group) => group.trim());
    const unknown = groups.filter((group) => !(figureGroups as readonly string[]).includes(group));
    if (unknown.length > 0 || groups.length === 0) {
      throw new Error(
        `--only takes ${figureGroups.join(", ")}; got '${parsed.values.only}'\n${usage}`,
      );
    }
    config.only = groups as FigureGroup[];
  }
  if (config.smallMessages > config.messages) {
    throw new Error(`--small-messages (${config.smallMessages}) cannot exceed --messages`);
  }
  return config;
}

/** The usage text printed for --help. */
export const helpText = usage;
