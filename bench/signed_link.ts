// The signed link figure: p50 of minting a download link through the exports
// API (functions/exports: record_export_download as the user, then Storage's
// signed URL), called as a client app calls it.
import type postgres from "postgres";
import type { SupabaseClient } from "@supabase/supabase-js";
import type { BenchConfig } from "./config.ts";
import type { Figure } from "./figure.ts";
import { type Stack, userClient } from "./stack.ts";
import { percentile, summarize } from "./stats.ts";
import { sample } from "./timing.ts";

/** Asks the exports API for a signed link to an export; returns the URL. */
async function mintLink(client: SupabaseClient, exportId: string): Promise<string> {
  const { data, error } = await client.functions.invoke(`exports/${exportId}/link`, {
    method: "POST",
  });
  if (error) throw new Error(`the exports API refused a link: ${error.message}`);
  const url = (data as { url?: string }).url;
  if (!url) throw new Error(`the exports API answered without a url: ${JSON.stringify(data)}`);
  return url;
}

/**
 * Measures signed link latency on the user's smallest completed export, and
 * downloads through one link to prove the links are real.
 */
export async function measureSignedLink(
  stack: Stack,
  config: BenchConfig,
  sql: postgres.Sql,
  claims: Record<string, unknown> & { sub: string },
): Promise<Figure[]> {
  const [target] = await sql<{ export_id: string; file_size: string }[]>`
    select export_id, file_size from exports.exports
    where owner_id = ${claims.sub} and status = 'completed'
    order by file_size limit 1`;
  if (!target) throw new Error("the bench user has no completed export to link to");
  const client = await userClient(stack, claims);

  const download = await fetch(await mintLink(client, target.export_id));
  const body = new Uint8Array(await download.arrayBuffer());
  if (!download.ok || body.byteLength !== Number(target.file_size)) {
    throw new Error(
      `a signed link gave ${download.status} with ${body.byteLength} bytes, ` +
        `expected 200 with ${target.file_size}`,
    );
  }

  for (let warmup = 0; warmup < 5; warmup++) await mintLink(client, target.export_id);
  const p50s = await sample(config.runs, async () => {
    const durations: number[] = [];
    for (let call = 0; call < config.rpcCalls; call++) {
      const start = performance.now();
      await mintLink(client, target.export_id);
      durations.push(performance.now() - start);
    }
    return percentile(durations, 0.5);
  });
  return [{
    name: "signed link p50",
    value: summarize(p50s),
    unit: "ms",
    target: { on: "median", kind: "below", bound: 20 },
    note: `${config.rpcCalls.toLocaleString("en-US")} sequential calls a run, supabase-js ` +
      "functions.invoke through the gateway; one download through a link checked its bytes",
  }];
}
