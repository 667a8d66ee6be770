// The traces source: one OpenTelemetry GenAI span a row, its columns named as
// the conventions name the attributes, as CSV, JSONL and Parquet through the
// exports API; each file read back with its own reader holds exactly the
// user's spans, as SQL reads them from the table, and the same totals.
import assert from "node:assert/strict";
import { createTestUser, type TestUser } from "../support/users.ts";
import { withDb } from "../support/db.ts";
import { exportedBytes } from "./_exports_helpers.ts";
import { csvRows, jsonlDocuments, parquetFile } from "./_file_readers.ts";

const conventionColumns = [
  "gen_ai.operation.name",
  "gen_ai.provider.name",
  "gen_ai.request.model",
  "gen_ai.response.model",
  "gen_ai.conversation.id",
  "gen_ai.input.messages",
  "gen_ai.output.messages",
  "gen_ai.usage.input_tokens",
  "gen_ai.usage.output_tokens",
  "error.type",
];

const trickyContent = 'quotes " and, commas\nnew line — ünïcödé 😀 | pipe \\ backslash';

/** Two traces for `user`: an agent span, a chat span that failed, one that answered, a tool call. */
async function seedTraces(user: TestUser, salt: string) {
  await withDb(async (sql) => {
    const calls: [number, string, string][] = [
      [1, "gpt-4o-mini", "openai"],
      [2, "claude-sonnet-4-5", "anthropic"],
    ];
    for (const [n, model, provider] of calls) {
      const [conversation] = await sql`
        insert into sample.conversations (user_id, title, created_at)
        values (${user.id}, ${
        "traced " + n
      }, timestamptz '2026-04-01 10:00:00+00' + make_interval(days => ${n}))
        returning id, created_at`;
      const hex = (label: string) =>
        sql`select left(md5(${salt + label + n}), 16) as id`.then(([row]) => row.id as string);
      const trace = (await sql`select md5(${salt + "trace" + n}) as id`)[0].id as string;
      const agent = await hex("agent");
      const at = conversation.created_at as Date;
      const input = [{ role: "user", parts: [{ type: "text", content: trickyContent }] }];
      const output = [{
        role: "assistant",
        parts: [{ type: "text", content: `answer ${n} "ok"` }],
        finish_reason: "stop",
      }];
      await sql`
        insert into sample.llm_spans (span_id, trace_id, parent_span_id, user_id, conversation_id, name,
          kind, operation_name, provider_name, request_model, response_model, request_temperature,
          response_finish_reasons, agent_name, tool_name, input_messages, output_messages,
          input_tokens, output_tokens, cost_usd, status_code, status_message, error_type, start_time, end_time)
        values
          (${agent}, ${trace}, null, ${user.id}, ${conversation.id}, 'invoke_agent helper', 'INTERNAL',
           'invoke_agent', null, null, null, null, null, 'helper', null, null, null, null, null, null,
           'OK', null, null, ${at}, ${new Date(at.getTime() + 9000)}),
          (${await hex("failed")}, ${trace}, ${agent}, ${user.id}, ${conversation.id}, ${
        "chat " + model
      },
           'CLIENT', 'chat', ${provider}, ${model}, null, 0.2, null, null, null, ${
        sql.json(input)
      }, null,
           null, null, 0, 'ERROR', 'Rate limit reached', 'RateLimitError',
           ${new Date(at.getTime() + 100)}, ${new Date(at.getTime() + 350)}),
          (${await hex("chat")}, ${trace}, ${agent}, ${user.id}, ${conversation.id}, ${
        "chat " + model
      },
           'CLIENT', 'chat', ${provider}, ${model}, ${model + "-2025"}, 0.2, ${[
        "stop",
      ]}, null, null,
           ${sql.json(input)}, ${sql.json(output)}, ${100 * n + 7}, ${20 * n + 3}, ${
        "0.00" + n + "234"
      },
           'OK', null, null, ${new Date(at.getTime() + 1400)}, ${new Date(at.getTime() + 3123)}),
          (${await hex(
        "tool",
      )}, ${trace}, ${agent}, ${user.id}, ${conversation.id}, 'execute_tool lookup',
           'INTERNAL', 'execute_tool', null, null, null, null, null, null, 'lookup', null, null, null,
           null, null, 'OK', null, null, ${new Date(at.getTime() + 5000)}, ${new Date(
        at.getTime() + 5081,
      )})`;
    }
  });
}

interface SpanTruth {
  span_id: string;
  trace_id: string;
  parent_span_id: string | null;
  operation: string;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost: string | null;
  status_code: string;
  error_type: string | null;
  input_messages: unknown;
  start_ms: number;
  duration_ms: number;
}

/** The user's spans as the table holds them, in time order. */
async function truth(user: TestUser): Promise<SpanTruth[]> {
  return await withDb((sql) =>
    sql<SpanTruth[]>`
      select span_id, trace_id, parent_span_id, operation_name as operation, request_model as model,
        input_tokens, output_tokens, cost_usd::text as cost, status_code, error_type, input_messages,
        (extract(epoch from start_time) * 1000)::float8 as start_ms,
        (extract(epoch from end_time - start_time) * 1000)::float8 as duration_ms
      from sample.llm_spans where user_id = ${user.id} order by start_time, span_id`
  );
}

/** A traced user and a stranger with traces of their own. */
async function tracedUser(): Promise<TestUser> {
  const user = await createTestUser();
  await seedTraces(user, user.id);
  const stranger = await createTestUser();
  await seedTraces(stranger, stranger.id);
  return user;
}

/** Token and cost totals a model, from rows of [model, input tokens, output tokens, cost]. */
function totals(rows: [unknown, unknown, unknown, unknown][]): Record<string, number[]> {
  const sums: Record<string, number[]> = {};
  for (const [model, input, output, cost] of rows) {
    if (model === null || model === "" || model === undefined) continue;
    const sum = sums[String(model)] ??= [0, 0, 0];
    sum[0] += Number(input ?? 0);
    sum[1] += Number(output ?? 0);
    sum[2] = Math.round((sum[2] + Number(cost ?? 0)) * 1e6) / 1e6;
  }
  return sums;
}

async function sqlTotals(user: TestUser): Promise<Record<string, number[]>> {
  const rows = await withDb((sql) =>
    sql`
      select request_model, coalesce(sum(input_tokens), 0)::int as i, coalesce(sum(output_tokens), 0)::int as o,
        coalesce(sum(cost_usd), 0)::float8 as c
      from sample.llm_spans where user_id = ${user.id} and request_model is not null group by 1`
  );
  return Object.fromEntries(rows.map((r) => [r.request_model, [r.i, r.o, r.c]]));
}

Deno.test("a csv export of traces holds the user's spans, one a row, under the gen_ai.* names", async () => {
  const user = await tracedUser();
  const [header, ...records] = csvRows(
    await exportedBytes(user, { source: "traces", format: "csv" }),
  );
  for (const column of conventionColumns) assert.ok(header.includes(column), `a column ${column}`);
  const at = (name: string) => header.indexOf(name);
  const spans = await truth(user);
  assert.deepEqual(
    records.map((r) => [
      r[at("span_id")],
      r[at("trace_id")],
      r[at("parent_span_id")],
      r[at("gen_ai.operation.name")],
      r[at("gen_ai.request.model")],
      r[at("gen_ai.usage.input_tokens")],
      r[at("status_code")],
      r[at("error.type")],
    ]),
    spans.map((s) => [
      s.span_id,
      s.trace_id,
      s.parent_span_id ?? "",
      s.operation,
      s.model ?? "",
      s.input_tokens === null ? "" : String(s.input_tokens),
      s.status_code,
      s.error_type ?? "",
    ]),
  );
  assert.deepEqual(
    records.map((r) =>
      r[at("gen_ai.input.messages")] === "" ? null : JSON.parse(r[at("gen_ai.input.messages")])
    ),
    spans.map((s) => s.input_messages),
    "the input messages are the conventions' JSON, tricky text intact",
  );
  assert.deepEqual(
    totals(records.map((r) => [
      r[at("gen_ai.request.model")],
      r[at("gen_ai.usage.input_tokens")],
      r[at("gen_ai.usage.output_tokens")],
      r[at("cost_usd")],
    ])),
    await sqlTotals(user),
    "tokens and cost add up a model as in SQL",
  );
});

Deno.test("a jsonl export of traces holds the user's spans, one document a span", async () => {
  const user = await tracedUser();
  const documents = jsonlDocuments(
    await exportedBytes(user, { source: "traces", format: "jsonl" }),
  );
  const spans = await truth(user);
  assert.deepEqual(
    documents.map((
      d,
    ) => [d.span_id, d.parent_span_id, d["gen_ai.operation.name"], d["error.type"]]),
    spans.map((s) => [s.span_id, s.parent_span_id, s.operation, s.error_type]),
  );
  assert.deepEqual(
    documents.map((d) => d["gen_ai.input.messages"]),
    spans.map((s) => s.input_messages),
  );
  assert.deepEqual(
    documents.map((d) => d.duration_ms),
    spans.map((s) => s.duration_ms),
    "the latency is the span's duration in milliseconds",
  );
  assert.deepEqual(
    totals(documents.map((d) => [
      d["gen_ai.request.model"],
      d["gen_ai.usage.input_tokens"],
      d["gen_ai.usage.output_tokens"],
      d.cost_usd,
    ])),
    await sqlTotals(user),
  );
});

Deno.test("a parquet export of traces reads back with hyparquet, typed, as the user's spans", async () => {
  const user = await tracedUser();
  const { rows, schema } = await parquetFile(
    await exportedBytes(user, { source: "traces", format: "parquet" }),
  );
  const types = Object.fromEntries(schema.map((e) => [e.name, e]));
  assert.equal(types["gen_ai.usage.input_tokens"].type, "INT32");
  assert.equal(types["duration_ms"].type, "DOUBLE");
  assert.equal(types["gen_ai.conversation.id"].logical_type?.type, "UUID");
  assert.equal(types["gen_ai.input.messages"].logical_type?.type, "JSON");
  assert.equal(types["start_time"].logical_type?.type, "TIMESTAMP");
  assert.equal(types["gen_ai.request.temperature"].type, "DOUBLE");
  const spans = await truth(user);
  assert.deepEqual(
    rows.map((r) => [
      r.span_id,
      r.parent_span_id ?? null,
      r["gen_ai.operation.name"],
      r["gen_ai.usage.input_tokens"] ?? null,
      r["error.type"] ?? null,
      (r.start_time as Date).getTime(),
    ]),
    spans.map((s) => [
      s.span_id,
      s.parent_span_id,
      s.operation,
      s.input_tokens,
      s.error_type,
      s.start_ms,
    ]),
  );
  assert.deepEqual(
    rows.map((r) =>
      r["gen_ai.input.messages"] === undefined || r["gen_ai.input.messages"] === null
        ? null
        : JSON.parse(r["gen_ai.input.messages"] as string)
    ),
    spans.map((s) => s.input_messages),
  );
  assert.deepEqual(
    totals(rows.map((r) => [
      r["gen_ai.request.model"],
      r["gen_ai.usage.input_tokens"],
      r["gen_ai.usage.output_tokens"],
      r.cost_usd,
    ])),
    await sqlTotals(user),
  );
});

Deno.test("the sample seed's traces hang together: every parent is a span of the same trace", async () => {
  const orphans = await withDb((sql) =>
    sql`
      select s.span_id from sample.llm_spans s
      where s.parent_span_id is not null and not exists (
        select from sample.llm_spans p where p.span_id = s.parent_span_id and p.trace_id = s.trace_id)`
  );
  assert.deepEqual([...orphans], []);
  const [seeded] = await withDb((sql) =>
    sql`
      select count(*)::int as spans, count(distinct trace_id)::int as traces,
        count(*) filter (where status_code = 'ERROR')::int as errors
      from sample.llm_spans where user_id = 'a11ce000-0000-4000-8000-000000000001'`
  );
  assert.ok(seeded.traces >= 2000, "alice has a trace a conversation");
  assert.ok(seeded.errors > 0, "and some calls that failed");
});
