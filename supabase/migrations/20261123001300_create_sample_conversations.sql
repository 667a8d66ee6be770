-- Sample domain: a user's chat conversations and their messages, and the
-- `conversations` export source (JSONL in the chat fine-tuning shape, JSON,
-- CSV with one message a row, HTML, and Markdown transcripts).

-- ============================================================================
-- tables
-- ============================================================================

create table sample.conversations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  title text not null,
  -- How good the conversation is as training data, from 0 to 1.
  quality_score numeric(3, 2) check (quality_score between 0 and 1),
  tags text[] not null default '{}',
  created_at timestamptz not null default now()
);
comment on table sample.conversations is 'Sample app: a user''s chat conversations, with a quality score and tags.';
create index conversations_user_created_idx on sample.conversations (user_id, created_at);

create table sample.messages (
  id bigint generated always as identity primary key,
  conversation_id uuid not null references sample.conversations (id) on delete cascade,
  -- The conversation's owner, repeated so the policies need no join.
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  position int not null,
  role text not null check (role in ('system', 'user', 'assistant')),
  content text not null,
  created_at timestamptz not null default now(),
  unique (conversation_id, position)
);
comment on table sample.messages is 'Sample app: the messages of a conversation, in order.';
-- The policies filter on user_id; with conversation_id and position after it,
-- the per-conversation lookups of the documents and transcripts functions are
-- one index range each. On (user_id) alone the planner ANDs a bitmap of all the
-- user's messages into every lookup, which is quadratic.
create index messages_user_conversation_idx on sample.messages (user_id, conversation_id, position);

-- ============================================================================
-- policies
-- ============================================================================

alter table sample.conversations enable row level security;
alter table sample.messages enable row level security;

create policy "Conversations are visible to their owner" on sample.conversations
  for select to authenticated using (user_id = (select auth.uid()));
create policy "Users create their own conversations" on sample.conversations
  for insert to authenticated with check (user_id = (select auth.uid()));
create policy "Owners update their conversations" on sample.conversations
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy "Owners delete their conversations" on sample.conversations
  for delete to authenticated using (user_id = (select auth.uid()));

create policy "Messages are visible to the conversation's owner" on sample.messages
  for select to authenticated using (user_id = (select auth.uid()));
create policy "Owners add messages to their conversations" on sample.messages
  for insert to authenticated with check (
    user_id = (select auth.uid())
    and conversation_id in (select c.id from sample.conversations c where c.user_id = (select auth.uid()))
  );
create policy "Owners update their messages" on sample.messages
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy "Owners delete their messages" on sample.messages
  for delete to authenticated using (user_id = (select auth.uid()));

revoke all on sample.conversations, sample.messages from public, anon, authenticated, service_role;
grant select, insert, update, delete on sample.conversations, sample.messages to authenticated, service_role;

-- ============================================================================
-- source functions (security invoker: RLS above decides what they return)
-- ============================================================================

-- SQL-standard bodies (begin atomic): Postgres resolves every name in them
-- when the function is created, so no caller's search_path can redirect them,
-- and it can inline them into the export's statement. A `set search_path`
-- clause would forbid inlining: every export would first copy all of its rows
-- into a temporary store.

-- The conversations an export covers; every other source function starts here.
-- Options: from, to (dates, inclusive), min_quality (0-1), tag.
create function sample.filtered_conversations(options jsonb) returns setof sample.conversations
language sql
stable
security invoker
begin atomic
  select c.* from sample.conversations c
  where (options ->> 'from' is null or c.created_at >= (options ->> 'from')::date)
    and (options ->> 'to' is null or c.created_at < (options ->> 'to')::date + 1)
    and (options ->> 'min_quality' is null or c.quality_score >= (options ->> 'min_quality')::numeric)
    and (options ->> 'tag' is null or c.tags @> array[options ->> 'tag']);
end;

create function sample.conversation_messages(options jsonb)
returns table (
  conversation_id uuid, conversation_title text, quality_score numeric, tags text,
  message_position int, role text, content text, created_at timestamptz
)
language sql
stable
security invoker
begin atomic
  select c.id, c.title, c.quality_score, array_to_string(c.tags, ', '), m.position, m.role, m.content, m.created_at
  from sample.filtered_conversations(options) c
  join sample.messages m on m.conversation_id = c.id
  order by c.created_at, c.id, m.position;
end;
comment on function sample.conversation_messages is 'Export source rows: one message a row.';

create function sample.count_conversation_messages(options jsonb) returns bigint
language sql
stable
security invoker
begin atomic
  select count(*) from sample.filtered_conversations(options) c join sample.messages m on m.conversation_id = c.id;
end;
comment on function sample.count_conversation_messages is 'Counts the rows of sample.conversation_messages without building them.';

-- The chat fine-tuning shape: {"messages": [{"role": ..., "content": ...}, ...]}.
create function sample.conversation_documents(options jsonb) returns setof jsonb
language sql
stable
security invoker
begin atomic
  select jsonb_build_object('messages', (
    select jsonb_agg(jsonb_build_object('role', m.role, 'content', m.content) order by m.position)
    from sample.messages m where m.conversation_id = c.id))
  from sample.filtered_conversations(options) c
  order by c.created_at, c.id;
end;
comment on function sample.conversation_documents is 'Export source documents: one conversation a document, in the chat fine-tuning shape.';

-- One Markdown block a conversation. Message text is Markdown already and is
-- kept as written; only the title is escaped.
create function sample.conversation_transcripts(options jsonb) returns setof text
language sql
stable
security invoker
begin atomic
  select format(E'## %s\n\n_%s · quality %s · %s_\n\n%s\n',
    exports.markdown_cell(c.title), to_char(c.created_at at time zone 'utc', 'YYYY-MM-DD HH24:MI "UTC"'),
    coalesce(c.quality_score::text, 'unrated'), coalesce(nullif(array_to_string(c.tags, ', '), ''), 'no tags'),
    (select string_agg(format(E'**%s:**\n\n%s', m.role, m.content), E'\n\n' order by m.position)
     from sample.messages m where m.conversation_id = c.id))
  from sample.filtered_conversations(options) c
  order by c.created_at, c.id;
end;
comment on function sample.conversation_transcripts is 'Export source Markdown: one transcript a conversation.';

revoke execute on function sample.filtered_conversations(jsonb), sample.conversation_messages(jsonb),
  sample.count_conversation_messages(jsonb), sample.conversation_documents(jsonb),
  sample.conversation_transcripts(jsonb)
  from public, anon;
grant execute on function sample.filtered_conversations(jsonb), sample.conversation_messages(jsonb),
  sample.count_conversation_messages(jsonb), sample.conversation_documents(jsonb),
  sample.conversation_transcripts(jsonb)
  to authenticated;

-- ============================================================================
-- registration
-- ============================================================================

select exports.register_source(
  name => 'conversations',
  description => 'Your chat conversations with their messages, for model training.',
  rows_function => 'sample.conversation_messages(jsonb)',
  documents_function => 'sample.conversation_documents(jsonb)',
  markdown_function => 'sample.conversation_transcripts(jsonb)',
  count_function => 'sample.count_conversation_messages(jsonb)',
  formats => array['jsonl', 'json', 'csv', 'markdown', 'html'],
  option_types => '{"from": "date", "to": "date", "min_quality": "number", "tag": "text"}'
);
