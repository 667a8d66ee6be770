-- Trace spans for the large bench user: trace_spans of them, four a trace (an
-- invoke_agent span, two chat spans with their input and output messages in
-- the GenAI conventions' shape, and an execute_tool span), one chat span in
-- fifty a failed one. Loaded with triggers and foreign key checks off and
-- secondary indexes built after the load.
-- psql variables: trace_spans, large_conversations.

set maintenance_work_mem = '512MB';
call bench.drop_secondary_indexes(array['sample.llm_spans']::regclass[]);
set session_replication_role = replica;

insert into sample.llm_spans (span_id, trace_id, parent_span_id, user_id, conversation_id, name, kind,
  operation_name, provider_name, request_model, response_model, response_id, request_temperature,
  request_max_tokens, response_finish_reasons, agent_name, tool_name, input_messages, output_messages,
  input_tokens, output_tokens, cost_usd, status_code, status_message, error_type, start_time, end_time)
select lpad(to_hex(s), 16, '0'), lpad(to_hex(t), 32, '0'),
  case when k = 0 then null else lpad(to_hex(t * 4), 16, '0') end,
  '00000000-0000-4000-8000-00000000be00', bench.conversation_id('00000000-0000-4000-8000-00000000be00', 1 + t % :large_conversations),
  case k when 0 then 'invoke_agent support-assistant' when 3 then 'execute_tool lookup_order'
    else 'chat ' || m.model end,
  case when k in (1, 2) then 'CLIENT' else 'INTERNAL' end,
  case k when 0 then 'invoke_agent' when 3 then 'execute_tool' else 'chat' end,
  case when k in (1, 2) then m.provider end, case when k in (1, 2) then m.model end,
  case when k in (1, 2) and not failed then m.model || '-2025' end,
  case when k in (1, 2) and not failed then 'resp_' || lpad(to_hex(s), 24, '0') end,
  case when k in (1, 2) then 0.2 end, case when k in (1, 2) then 1024 end,
  case when k in (1, 2) and not failed then array['stop'] end,
  case when k = 0 then 'support-assistant' end, case when k = 3 then 'lookup_order' end,
  case when k in (1, 2) then jsonb_build_array(
    jsonb_build_object('role', 'system', 'parts', jsonb_build_array(jsonb_build_object('type', 'text',
      'content', 'You are a helpful assistant.'))),
    jsonb_build_object('role', 'user', 'parts', jsonb_build_array(jsonb_build_object('type', 'text',
      'content', substr(bench.lorem(), 1 + (t * 7) % 300, 80 + (t * 11) % 120))))) end,
  case when k in (1, 2) and not failed then jsonb_build_array(jsonb_build_object('role', 'assistant',
    'parts', jsonb_build_array(jsonb_build_object('type', 'text',
      'content', substr(bench.lorem(), 1 + (t * 13) % 300, 60 + (t * 17) % 140))), 'finish_reason', 'stop')) end,
  case when k in (1, 2) then 40 + (t * 7) % 120 end,
  case when k in (1, 2) and not failed then 15 + (t * 11) % 140 end,
  case when k in (1, 2) then round(((40 + (t * 7) % 120) * m.input_price
    + (case when failed then 0 else 15 + (t * 11) % 140 end) * m.output_price) / 1000000, 6) end,
  case when failed then 'ERROR' else 'OK' end,
  case when failed then 'Rate limit reached for requests per minute' end,
  case when failed then 'RateLimitError' end,
  timestamptz '2025-01-01 00:00:00+00' + t * interval '7 seconds' + k * interval '1200 milliseconds',
  timestamptz '2025-01-01 00:00:00+00' + t * interval '7 seconds' + k * interval '1200 milliseconds'
    + (300 + (s * 37) % 900) * interval '1 millisecond'
from generate_series(0, (:trace_spans - 1) / 4) as t
cross join generate_series(0, 3) as k
cross join lateral (select t * 4 + k as s, k = 1 and t % 50 = 0 as failed) as i
cross join lateral (
  select * from (values (0, 'openai', 'gpt-4o-mini', 0.15, 0.60), (1, 'anthropic', 'claude-sonnet-4-5', 3.0, 15.0))
    as v (slot, provider, model, input_price, output_price)
  where v.slot = t % 2) as m
where t * 4 + k < :trace_spans;

set session_replication_role = origin;
call bench.rebuild_indexes();
analyze sample.llm_spans;
