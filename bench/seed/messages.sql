-- Conversations and messages: large_messages in large_conversations for the
-- large bench user, small_messages in small_conversations for the small one,
-- and other_user_messages (ten a conversation) for each of other_users users.
-- Loaded with triggers and foreign key checks off (session_replication_role
-- = replica) and secondary indexes built after the load.
-- psql variables: large_messages, large_conversations, small_messages,
-- small_conversations, other_users, other_user_messages.

create temp table owners (owner_id uuid, conversations int, per_conversation int);
insert into owners values
  ('00000000-0000-4000-8000-00000000be00', :large_conversations,
   greatest(1, :large_messages / :large_conversations)),
  ('00000000-0000-4000-8000-00000000be01', :small_conversations,
   greatest(1, :small_messages / :small_conversations));
insert into owners
select bench.user_id(n), greatest(1, :other_user_messages / 10), 10
from generate_series(1, :other_users) as n;

set maintenance_work_mem = '512MB';
call bench.drop_secondary_indexes(array['sample.conversations', 'sample.messages']::regclass[]);
set session_replication_role = replica;

insert into sample.conversations (id, user_id, title, quality_score, tags, created_at)
select bench.conversation_id(o.owner_id, c), o.owner_id,
       format('Conversation %s: %s', c, substr(bench.lorem(), 1 + c % 97, 20 + c % 30)),
       (c * 37 % 101) / 100.0,
       (array['{}', '{support}', '{sales,"follow up"}'])[1 + c % 3]::text[],
       timestamptz '2025-01-01 00:00:00+00' + (c % 525600) * interval '1 minute'
from owners o, generate_series(1, o.conversations) as c;

insert into sample.messages (conversation_id, user_id, position, role, content, created_at)
select bench.conversation_id(o.owner_id, c), o.owner_id, p,
       case when p % 2 = 1 then 'user' else 'assistant' end,
       -- 150 to 449 characters: about 450 bytes a CSV row with its conversation.
       substr(bench.lorem(), 1 + (c * 7 + p * 13) % 300, 150 + (c * 11 + p * 31) % 300),
       timestamptz '2025-01-01 00:00:00+00' + (c % 525600) * interval '1 minute' + p * interval '5 seconds'
from owners o, generate_series(1, o.conversations) as c, generate_series(1, o.per_conversation) as p;

set session_replication_role = origin;
call bench.rebuild_indexes();
analyze sample.conversations;
analyze sample.messages;
