-- Sample domain: the model calls behind the sample conversations, as
-- OpenTelemetry spans of the GenAI semantic conventions, and the `traces`
-- export source: one span a row, its columns named as the conventions name
-- the attributes (gen_ai.operation.name, gen_ai.usage.input_tokens, ...), so
-- that evaluation and observability tools read them as they expect.

-- ============================================================================
-- tables
-- ============================================================================

create table sample.llm_spans (
  -- W3C trace context ids: 32 and 16 lowercase hex digits.
  span_id text primary key check (span_id ~ '^[0-9a-f]{16}$'),
  trace_id text not null check (trace_id ~ '^[0-9a-f]{32}$'),
  parent_span_id text check (parent_span_id ~ '^[0-9a-f]{16}$'),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  conversation_id uuid references sample.conversations (id) on delete cascade,
  -- `{gen_ai.operation.name} {gen_ai.request.model}`, as the conventions name spans.
  name text not null,
  kind text not null default 'CLIENT' check (kind in ('CLIENT', 'INTERNAL')),
  operation_name text not null
    check (operation_name in ('chat', 'text_completion', 'embeddings', 'execute_tool', 'invoke_agent')),
  provider_name text,
  request_model text,
  response_model text,
  response_id text,
  request_temperature double precision,
  request_max_tokens int,
  response_finish_reasons text[],
  agent_name text,
  tool_name text,
  -- The conventions' message shape: [{"role", "parts": [{"type": "text", "content"}]}].
  input_messages jsonb,
  output_messages jsonb,
  input_tokens int check (input_tokens >= 0),
  output_tokens int check (output_tokens >= 0),
  -- Not a convention attribute: what the call cost at the provider's list price.
  cost_usd numeric(12, 6) check (cost_usd >= 0),
  status_code text not null default 'UNSET' check (status_code in ('UNSET', 'OK', 'ERROR')),
  status_message text,
  error_type text,
  start_time timestamptz not null,
  end_time timestamptz not null,
  check (end_time >= start_time),
  check ((status_code = 'ERROR') = (error_type is not null))
);
comment on table sample.llm_spans is
  'Sample app: the model calls behind the conversations, as OpenTelemetry GenAI spans (one trace a conversation).';
-- The policies filter on user_id; the export reads a user's spans in time order.
create index llm_spans_user_start_idx on sample.llm_spans (user_id, start_time, span_id);
create index llm_spans_conversation_idx on sample.llm_spans (conversation_id);

-- ============================================================================
-- policies
-- ============================================================================

alter table sample.llm_spans enable row level security;

create policy "Spans are visible to their owner" on sample.llm_spans
  for select to authenticated using (user_id = (select auth.uid()));
create policy "Users record their own spans" on sample.llm_spans
  for insert to authenticated with check (user_id = (select auth.uid()));
create policy "Owners update their spans" on sample.llm_spans
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy "Owners delete their spans" on sample.llm_spans
  for delete to authenticated using (user_id = (select auth.uid()));

revoke all on sample.llm_spans from public, anon, authenticated, service_role;
grant select, insert, update, delete on sample.llm_spans to authenticated, service_role;

-- ============================================================================
-- source functions (security invoker: RLS above decides what they return)
-- ============================================================================

-- One span a row, in time order. A SQL-standard body, so that Postgres
-- inlines it and streams the spans from the index. Options: from, to (dates,
-- inclusive, on the span's start), model (gen_ai.request.model), operation
-- (gen_ai.operation.name).
create function sample.trace_spans(options jsonb)
returns table (
  trace_id text, span_id text, parent_span_id text, name text, kind text,
  "gen_ai.operation.name" text, "gen_ai.provider.name" text, "gen_ai.request.model" text,
  "gen_ai.response.model" text, "gen_ai.response.id" text, "gen_ai.request.temperature" double precision,
  "gen_ai.request.max_tokens" int, "gen_ai.response.finish_reasons" text[], "gen_ai.conversation.id" uuid,
  "gen_ai.agent.name" text, "gen_ai.tool.name" text, "gen_ai.input.messages" jsonb,
  "gen_ai.output.messages" jsonb, "gen_ai.usage.input_tokens" int, "gen_ai.usage.output_tokens" int,
  cost_usd numeric, duration_ms double precision, status_code text, status_message text, "error.type" text,
  start_time timestamptz, end_time timestamptz
)
language sql
stable
security invoker
begin atomic
  select s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.operation_name, s.provider_name,
    s.request_model, s.response_model, s.response_id, s.request_temperature, s.request_max_tokens,
    s.response_finish_reasons, s.conversation_id, s.agent_name, s.tool_name, s.input_messages,
    s.output_messages, s.input_tokens, s.output_tokens, s.cost_usd,
    extract(epoch from s.end_time - s.start_time)::double precision * 1000, s.status_code, s.status_message,
    s.error_type, s.start_time, s.end_time
  from sample.llm_spans s
  where (options ->> 'from' is null or s.start_time >= (options ->> 'from')::date)
    and (options ->> 'to' is null or s.start_time < (options ->> 'to')::date + 1)
    and (options ->> 'model' is null or s.request_model = options ->> 'model')
    and (options ->> 'operation' is null or s.operation_name = options ->> 'operation')
  order by s.start_time, s.span_id;
end;
comment on function sample.trace_spans is
  'Export source rows: one OpenTelemetry GenAI span a row, columns named after the gen_ai.* attributes.';

revoke execute on function sample.trace_spans(jsonb) from public, anon;
grant execute on function sample.trace_spans(jsonb) to authenticated;

-- ============================================================================
-- registration
-- ============================================================================

select exports.register_source(
  name => 'traces',
  description => 'The model calls behind your conversations, one OpenTelemetry GenAI span a row, for evaluation and fine-tuning datasets.',
  rows_function => 'sample.trace_spans(jsonb)',
  formats => array['jsonl', 'csv', 'parquet'],
  option_types => '{"from": "date", "to": "date", "model": "text", "operation": "text"}'
);
