// The benchmark program bench/run starts on its own, freshly reset stack:
// seeds the data set, measures the queue (before the gateway is up, so no
// real worker claims), starts the gateway, measures the RPCs, the exports
// and the signed links, prints the table and writes it to
// bench/results/latest.md for BENCHMARKS.md.
import { helpText, parseConfig } from "./config.ts";
import type { ExportContext } from "./export_runs.ts";
import { measureExports } from "./export_figures.ts";
import type { Figure } from "./figure.ts";
import { describeMachine, renderMachine } from "./machine.ts";
import { measureQueue } from "./queue.ts";
import { measureRpc } from "./rpc_latency.ts";
import { seedDataset } from "./seed.ts";
import { measureSignedLink } from "./signed_link.ts";
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
if (config.smoke) {
  console.log("- smoke run: tiny sizes, one run each; proves every path works, measures nothing");
}

const sql = serviceSql(stack);
log(
  `seeding ${config.messages.toLocaleString("en-US")} messages and ` +
    `${config.exportRows.toLocaleString("en-US")} exports`,
);
const dataset = await seedDataset(sql, stack.dbUrl, config);
log(`seeded in ${dataset.seconds.toFixed(1)} s`);

const figures: Figure[] = [];
log("queue: claim + complete with 1 and 4 workers");
figures.push(...await measureQueue(stack, config));

log("starting the gateway");
const gateway = await new Deno.Command("scripts/gateway-start", { stdout: "null" }).output();
if (!gateway.success) throw new Error("scripts/gateway-start failed");

// A user with a history of exports (export_rows / export_users of them) lists;
// one without data requests, so each export the worker then runs is tiny.
const historyUser = claimsOf(otherUserId(1));
const requester = claimsOf(otherUserId(config.exportUsers));
log("RPC latency: list_exports, request_export");
const list = await measureRpc(stack, config, historyUser, {
  name: "list_exports",
  call: async (client) => {
    const { error } = await client.rpc("list_exports", {});
    if (error) throw new Error(`list_exports failed: ${error.message}`);
  },
  sql: "select public.list_exports()",
});
const request = await measureRpc(stack, config, requester, {
  name: "request_export",
  call: async (client) => {
    const { error } = await client.rpc("request_export", {
      source: "conversations",
      format: "csv",
    });
    if (error) throw new Error(`request_export failed: ${error.message}`);
  },
  sql: "select public.request_export(source => 'conversations', format => 'csv')",
});
figures.push(...list.figures, ...request.figures);

log("exports through the API and the worker");
const context: ExportContext = {
  sql,
  dbUrl: stack.dbUrl,
  localDir,
  warmupClient: await userClient(stack, claimsOf(otherUserId(1))),
};
const large = {
  client: await userClient(stack, claimsOf(largeUserId)),
  claims: claimsOf(largeUserId),
};
const small = {
  client: await userClient(stack, claimsOf(smallUserId)),
  claims: claimsOf(smallUserId),
};
figures.push(...await measureExports(context, config, { large, small }, dataset));

log("signed links through the exports API");
figures.push(...await measureSignedLink(stack, config, sql, claimsOf(largeUserId)));
await sql.end();

const table = renderTable(figures);
const plans = `Plans of the statements the RPCs ran (auto_explain, as the user):\n\n` +
  "```\n" + `${list.plans}\n\n${request.plans}\n` + "```";
console.log(`\n${table}\n\n${plans}`);
const results = new URL("./results/", import.meta.url);
await Deno.mkdir(results, { recursive: true });
await Deno.writeTextFile(
  new URL("latest.md", results),
  `${renderMachine(machine)}\n- command: \`bench/run ${Deno.args.join(" ")}\`\n` +
    `- seed: ${dataset.seconds.toFixed(0)} s\n\n${table}\n\n${plans}\n`,
);
log(`written to bench/results/latest.md`);
