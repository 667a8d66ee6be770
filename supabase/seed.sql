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
