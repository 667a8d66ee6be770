// The benchmark program bench/run starts on its own, freshly reset stack:
// seeds the data set, measures the queue (before the gateway is up, so no
// real worker claims), starts the gateway, measures the RPCs, the exports
// and the signed links, prints the table and writes it to
// bench/results/latest.md for BENCHMARKS.md.
import { type FigureGroup, helpText, parseConfig } from "./config.ts";
import type { ExportContext } from "./export_runs.ts";
import { measureBesideLongExport } from "./beside_long_export.ts";
import { measureExports, measureReport } from "./export_figures.ts";
import type { Figure } from "./figure.ts";
import { durabilityNote, setDurability } from "./durability.ts";
import { describeMachine, renderMachine } from "./machine.ts";
import { describeProfile, profileFromEnvironment } from "../local-stack/gateway/profiles.ts";
import { measureQueue } from "./queue.ts";
import { measureRealtime } from "./realtime_latency.ts";
import { settleQueue } from "./queue_idle.ts";
import { measureRpc, type RpcBenchmark, rpcCall, type UserClaims } from "./rpc_latency.ts";
import { seedDataset } from "./seed.ts";
import { measureSignedLink } from "./signed_link.ts";
import { measureTraces } from "./trace_figures.ts";
import {
  claimsOf,
  largeUserId,
  otherUserId,
  serviceSql,
  smallUserId,
  stackFromEnv,
  userClient,
} from "./stack.ts";
import { renderTable } from "./table.ts";
import { withWorkerPaused } from "./worker_process.ts";

const config = (() => {
  try {
    return parseConfig(Deno.args);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(2);
  }
})();
if (config === "help") {
  console.log(helpText);
  Deno.exit(0);
}

const log = (message: string) => console.error(`==> ${message}`);
const stack = stackFromEnv();
const localDir = Deno.env.get("EXPORTS_LOCAL_DIR");
if (!localDir) throw new Error("EXPORTS_LOCAL_DIR is not set: run the benchmarks with bench/run");
const machine = await describeMachine();
console.log(renderMachine(machine));
// The limits the stack's function host enforces (bench/run picks unlimited unless told).
const profile = profileFromEnvironment();
const profileLine = `- profile: ${describeProfile(profile)}`;
console.log(profileLine);
if (config.smoke) {
  console.log("- smoke run: tiny sizes, one run each; proves every path works, measures nothing");
}

const sql = serviceSql(stack);
log(
  `seeding ${config.messages.toLocaleString("en-US")} messages and ` +
    `${config.exportRows.toLocaleString("en-US")} exports`,
);
await setDurability(sql, false);
const dataset = await seedDataset(sql, stack.dbUrl, config);
log(`seeded in ${dataset.seconds.toFixed(1)} s`);
await setDurability(sql, true);
console.log(durabilityNote);

const figures: Figure[] = [];
const plans: string[] = [];
const measuring = (group: FigureGroup) => config.only.includes(group);
const results = new URL("./results/", import.meta.url);
await Deno.mkdir(results, { recursive: true });

/**
 * Writes the figures so far to bench/results/latest.md (after every group, so
 * a long run that fails late keeps what it measured) and, when `final`,
 * prints them.
 */
async function report(final: boolean, failure?: unknown): Promise<void> {
  const table = renderTable(figures);
  const planText = plans.length === 0 ? "" : "Plans of the statements the RPCs ran " +
    "(auto_explain with log_nested_statements, as the user, rolled back):\n\n```\n" +
    `${plans.join("\n\n")}\n` + "```\n";
  const failed = failure === undefined
    ? ""
    : `\n**The run failed after these figures:** ${(failure as Error).message ?? failure}\n`;
  const header = [
    renderMachine(machine),
    profileLine,
    durabilityNote,
    `- command: \`bench/run ${Deno.args.join(" ")}\``,
    `- seed: ${dataset.seconds.toFixed(0)} s`,
  ].join("\n");
  await Deno.writeTextFile(
    new URL("latest.md", results),
    `${header}\n\n${table}\n${failed}\n${planText}`,
  );
  if (final) console.log(`\n${table}\n${failed}\n${planText}`);
}

try {
  if (measuring("queue")) {
    log("queue: claim + complete with 1 and 4 workers");
    figures.push(...await measureQueue(stack, config));
    await report(false);
  }

  log("starting the gateway");
  const gateway = await new Deno.Command("scripts/gateway-start", { stdout: "null" }).output();
  if (!gateway.success) throw new Error("scripts/gateway-start failed");

  if (measuring("rpc")) {
    // A user with a history of exports (export_rows / export_users of them)
    // lists. Users without data request, so each export the worker then runs
    // is tiny; up to 100 take turns, as many users would: the daily quota's
    // count of one user's last 24 hours then stays at a real user's size.
    log("RPC latency: get_export (the API's floor), list_exports, request_export");
    const historyUser = [claimsOf(otherUserId(1))];
    const requesters = Array.from(
      { length: Math.max(1, Math.min(100, config.exportUsers - config.otherUsers)) },
      (_, k) => claimsOf(otherUserId(config.exportUsers - k)),
    );
    for (
      const [claims, benchmark] of [
        [historyUser, {
          name: "get_export",
          call: rpcCall("get_export", { export_id: crypto.randomUUID() }),
          sql: `select public.get_export('${crypto.randomUUID()}')`,
          floor: true,
        }],
        [historyUser, {
          name: "list_exports",
          call: rpcCall("list_exports", {}),
          sql: "select public.list_exports()",
        }],
        [requesters, {
          name: "request_export",
          call: rpcCall("request_export", { source: "conversations", format: "csv" }),
          sql: "select public.request_export(source => 'conversations', format => 'csv')",
          holdExports: (work) => withWorkerPaused(localDir, work),
        }],
      ] satisfies [UserClaims[], RpcBenchmark][]
    ) {
      const measured = await measureRpc(stack, config, claims, benchmark);
      figures.push(...measured.figures);
      plans.push(measured.plans);
    }
    await report(false);
  }

  const exportContext = async (): Promise<ExportContext> => ({
    sql,
    dbUrl: stack.dbUrl,
    localDir,
    warmupClient: await userClient(stack, claimsOf(otherUserId(1))),
  });
  const largeUser = async () => ({
    client: await userClient(stack, claimsOf(largeUserId)),
    claims: claimsOf(largeUserId),
  });

  if (measuring("exports")) {
    log("exports through the API and the worker");
    await settleQueue(sql, "the first export");
    const context = await exportContext();
    const users = {
      large: await largeUser(),
      small: {
        client: await userClient(stack, claimsOf(smallUserId)),
        claims: claimsOf(smallUserId),
      },
    };
    figures.push(...await measureExports(context, config, users, dataset));
    await report(false);
  }

  if (measuring("report")) {
    log("the budget's PDF report beside the plain grid and the CSV of its rows");
    await settleQueue(sql, "the report exports");
    figures.push(
      ...await measureReport(await exportContext(), config, await largeUser(), dataset.pdfRows),
    );
    await report(false);
  }

  if (measuring("links")) {
    log("signed links through the exports API");
    figures.push(...await measureSignedLink(stack, config, sql, claimsOf(largeUserId)));
    await report(false);
  }

  if (measuring("beside")) {
    log("beside a long export: a small export's start, and a cancel");
    figures.push(...await measureBesideLongExport(stack, config, sql));
    await report(false);
  }

  if (measuring("realtime")) {
    log(`Realtime: broadcasts to ${config.realtimeSubscribers} subscribers`);
    figures.push(...await measureRealtime(stack, config, sql));
  }

  if (measuring("traces")) {
    log("traces: Parquet beside CSV of the same spans");
    await settleQueue(sql, "the trace exports");
    figures.push(...await measureTraces(await exportContext(), config, await largeUser()));
    await report(false);
  }
} catch (error) {
  await report(true, error);
  throw error;
} finally {
  await sql.end();
}
await report(true);
log("written to bench/results/latest.md");
