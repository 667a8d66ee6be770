-- Demo data for the sample app, applied after the migrations on every reset.
-- Fixed ids and emails, so demos and tests can name them:
--   alice@example.com  a11ce000-0000-4000-8000-000000000001  2,000 conversations x 5 messages; owns the shared household
--   bob@example.com    b0b00000-0000-4000-8000-000000000002  member of alice's household
--   carol@example.com  ca201000-0000-4000-8000-000000000003  an outsider: her own conversations and household
-- Households: 40000000-0000-4000-8000-00000000a11b (alice and bob), 40000000-0000-4000-8000-0000000ca201 (carol).
-- Every password is "password". Content is deterministic and full of what
-- breaks naive writers: quotes, commas, line breaks, pipes, tags and unicode.

insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
select '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email,
  extensions.crypt('password', extensions.gen_salt('bf', 4)), now(),
  '{"provider": "email", "providers": ["email"]}', jsonb_build_object('name', u.name), now(), now()
from (values
  ('a11ce000-0000-4000-8000-000000000001'::uuid, 'alice@example.com', 'Alice'),
  ('b0b00000-0000-4000-8000-000000000002'::uuid, 'bob@example.com', 'Bob'),
  ('ca201000-0000-4000-8000-000000000003'::uuid, 'carol@example.com', 'Carol')
) as u (id, email, name)
on conflict (id) do nothing;

-- ============================================================================
-- conversations
-- ============================================================================

insert into sample.conversations (id, user_id, title, quality_score, tags, created_at)
select
  ('c0000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
  case when n <= 2000 then 'a11ce000-0000-4000-8000-000000000001'::uuid
       else 'ca201000-0000-4000-8000-000000000003'::uuid end,
  format('Conversation #%s: "%s", part %s', n, (array['Billing', 'Refunds, returns', 'Über café ☕', 'Pipes | and <tags>'])[n % 4 + 1], n % 7),
  round(((n * 37) % 101) / 100.0, 2),
  case n % 4 when 0 then array['support'] when 1 then array['billing', 'support'] when 2 then array['sales']
    else array[]::text[] end,
  timestamptz '2026-01-01 00:00:00+00' - make_interval(hours => n * 4)
from generate_series(1, 2040) as n;

insert into sample.messages (conversation_id, user_id, position, role, content, created_at)
select c.id, c.user_id, p,
  (array['system', 'user', 'assistant', 'user', 'assistant'])[p],
  case p
    when 1 then 'You are a helpful assistant for "Acme, Inc."'
    when 2 then format(E'Hi, I''m writing about order %s.\nIt says "shipped", but nothing arrived — ¿qué pasó? 📦', right(c.id::text, 6))
    when 3 then format(E'Sorry about that! Order %s left our warehouse on %s.\nTracking: ACME-%s, "in transit".', right(c.id::text, 6), to_char(c.created_at, 'YYYY-MM-DD'), right(c.id::text, 4))
    when 4 then E'Thanks; can you resend it, or refund me? (a, b, or "c")\tTab and back\\slash.'
    else E'Done: a replacement ships today. 日本語もOK ✓\n| not | a | table |'
  end,
  c.created_at + make_interval(mins => p)
from sample.conversations c
cross join generate_series(1, 5) as p;

-- ============================================================================
-- households and budgets
-- ============================================================================

insert into sample.households (id, name, created_by) values
  ('40000000-0000-4000-8000-00000000a11b', 'Alice & Bob''s flat', 'a11ce000-0000-4000-8000-000000000001'),
  ('40000000-0000-4000-8000-0000000ca201', 'Carol''s house', 'ca201000-0000-4000-8000-000000000003');

-- The households' creators became owners through the trigger; bob joins alice.
insert into sample.household_members (household_id, user_id, role) values
  ('40000000-0000-4000-8000-00000000a11b', 'b0b00000-0000-4000-8000-000000000002', 'member');

insert into sample.budget_categories (household_id, name, kind)
select h.id, c.name, c.kind
from sample.households h
cross join (values ('Salary', 'income'), ('Rent', 'expense'), ('Groceries', 'expense'),
  ('Utilities', 'expense'), ('Eating out, cafés', 'expense'), ('Travel ✈', 'expense')) as c (name, kind);

-- Two years of entries: 24 a month for alice and bob, 4 a month for carol.
insert into sample.budget_line_items (household_id, category_id, description, amount, occurred_on, created_by)
select h.id, c.id,
  format('%s — "%s", entry %s', c.name, to_char(d, 'Mon YYYY'), n),
  case when c.kind = 'income' then 2500 + (n % 5) * 100 else -round((10 + (n * 13) % 190)::numeric + 0.99, 2) end,
  d::date + n % 28,
  h.created_by
from sample.households h
cross join generate_series(date '2025-01-01', date '2026-12-01', interval '1 month') as d
cross join generate_series(1, 24) as n
join sample.budget_categories c on c.household_id = h.id
  and c.name = (array['Salary', 'Rent', 'Groceries', 'Groceries', 'Utilities', 'Eating out, cafés', 'Travel ✈', 'Groceries'])[n % 8 + 1]
where h.created_by = 'a11ce000-0000-4000-8000-000000000001' or n <= 4;

-- ============================================================================
-- traces: the model calls behind each conversation
-- ============================================================================

-- One trace a conversation: an invoke_agent span, a chat span for each
-- assistant message (its input the messages before it), an execute_tool span
-- in every third conversation, and in every seventeenth a first chat call
-- that failed on a rate limit before the one that answered.
with model as (
  select * from (values
    (0, 'openai', 'gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 0.15, 0.60),
    (1, 'anthropic', 'claude-sonnet-4-5', 'claude-sonnet-4-5-20250929', 3.00, 15.00),
    (2, 'openai', 'gpt-4.1', 'gpt-4.1-2025-04-14', 2.00, 8.00)
  ) as m (slot, provider, model, response_model, input_price, output_price)
),
conversation as (
  select c.id, c.user_id, n.n, md5(c.id::text) as trace_id,
    (select m.created_at from sample.messages m where m.conversation_id = c.id and m.position = 2) as asked_at,
    (select m.created_at from sample.messages m where m.conversation_id = c.id and m.position = 5) as answered_at
  from sample.conversations c
  cross join lateral (select ('x' || right(c.id::text, 8))::bit(32)::int as n) n
),
call as (
  select c.*, a.position, a.created_at as end_time, mo.*,
    (select jsonb_agg(jsonb_build_object('role', m.role, 'parts',
        jsonb_build_array(jsonb_build_object('type', 'text', 'content', m.content))) order by m.position)
     from sample.messages m where m.conversation_id = c.id and m.position < a.position) as input_messages,
    jsonb_build_array(jsonb_build_object('role', 'assistant', 'parts',
      jsonb_build_array(jsonb_build_object('type', 'text', 'content', a.content)), 'finish_reason', 'stop')) as output_messages,
    (select 12 + ceil(sum(char_length(m.content)) / 4.0)::int
     from sample.messages m where m.conversation_id = c.id and m.position < a.position) as input_tokens,
    ceil(char_length(a.content) / 4.0)::int as output_tokens
  from conversation c
  join sample.messages a on a.conversation_id = c.id and a.role = 'assistant'
  join model mo on mo.slot = c.n % 3
),
timed as (
  select c.*, make_interval(secs => (400 + c.output_tokens * 25 + (c.n % 13) * 37) / 1000.0) as latency
  from call c
)
insert into sample.llm_spans (span_id, trace_id, parent_span_id, user_id, conversation_id, name, kind,
  operation_name, provider_name, request_model, response_model, response_id, request_temperature,
  request_max_tokens, response_finish_reasons, agent_name, tool_name, input_messages, output_messages,
  input_tokens, output_tokens, cost_usd, status_code, status_message, error_type, start_time, end_time)
select left(md5(c.trace_id || '/agent'), 16), c.trace_id, null, c.user_id, c.id, 'invoke_agent support-assistant',
  'INTERNAL', 'invoke_agent', null, null, null, null, null, null, null, 'support-assistant', null, null, null,
  null, null, null, 'OK', null, null, c.asked_at, c.answered_at + interval '2 seconds'
from conversation c
union all
select left(md5(t.trace_id || '/chat/' || t.position), 16), t.trace_id, left(md5(t.trace_id || '/agent'), 16),
  t.user_id, t.id, 'chat ' || t.model, 'CLIENT', 'chat', t.provider, t.model, t.response_model,
  'resp_' || left(md5(t.trace_id || '/response/' || t.position), 24), 0.2, 1024, array['stop'],
  null, null, t.input_messages, t.output_messages, t.input_tokens, t.output_tokens,
  round((t.input_tokens * t.input_price + t.output_tokens * t.output_price) / 1000000, 6),
  'OK', null, null, t.end_time - t.latency, t.end_time
from timed t
union all
select left(md5(t.trace_id || '/ratelimited/' || t.position), 16), t.trace_id, left(md5(t.trace_id || '/agent'), 16),
  t.user_id, t.id, 'chat ' || t.model, 'CLIENT', 'chat', t.provider, t.model, null, null, 0.2, 1024, null,
  null, null, t.input_messages, null, null, null, 0, 'ERROR',
  'Rate limit reached for requests per minute; retry after 1s', 'RateLimitError',
  t.end_time - t.latency - interval '1300 milliseconds', t.end_time - t.latency - interval '1100 milliseconds'
from timed t
where t.n % 17 = 0 and t.position = 3
union all
select left(md5(c.trace_id || '/tool'), 16), c.trace_id, left(md5(c.trace_id || '/agent'), 16), c.user_id, c.id,
  'execute_tool lookup_order', 'INTERNAL', 'execute_tool', null, null, null, null, null, null, null, null,
  'lookup_order', null, null, null, null, null, 'OK', null, null,
  c.asked_at + interval '5 seconds', c.asked_at + interval '5 seconds' + make_interval(secs => 0.08 + (c.n % 7) / 100.0)
from conversation c
where c.n % 3 = 0;
