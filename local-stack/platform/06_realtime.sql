-- The part of Supabase Realtime's schema that Broadcast from Database uses: realtime.messages
-- (RLS on), realtime.topic() and realtime.send(), as supabase/realtime's migrations define them.
-- Hosted Realtime reads new messages from the WAL; here a trigger notifies `realtime_messages`
-- with each message's id, which the gateway's Realtime stand-in listens to.
create schema if not exists realtime;
grant usage on schema realtime to anon, authenticated, service_role;

-- Hosted partitions the table by day on inserted_at; one plain table has the same columns.
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp without time zone not null default now(),
  inserted_at timestamp without time zone not null default now(),
  id uuid not null default gen_random_uuid(),
  primary key (id, inserted_at)
);
create index if not exists messages_inserted_at_topic_index on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;

alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to anon, authenticated, service_role;

-- The channel a Realtime join is authorised for: the server sets realtime.topic before it runs
-- the policies, and realtime.send sets it for the message it inserts.
create or replace function realtime.topic() returns text
language sql stable
as $$
  select nullif(current_setting('realtime.topic', true), '')::text;
$$;
grant execute on function realtime.topic() to anon, authenticated, service_role;

-- A failure to send warns and never fails the caller's transaction, as hosted's does.
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
as $$
declare
  generated_id uuid;
  final_payload jsonb;
begin
  begin
    generated_id := gen_random_uuid();
    if payload ? 'id' then
      final_payload := payload;
    else
      final_payload := jsonb_set(payload, '{id}', to_jsonb(generated_id));
    end if;
    execute format('set local realtime.topic to %L', topic);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (generated_id, final_payload, event, topic, private, 'broadcast');
  exception
    when others then
      raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
  end;
end
$$;
revoke execute on function realtime.send(jsonb, text, text, boolean) from public;

-- Local only: the stand-in's delivery. NOTIFY is sent at commit, so a rolled-back message (a
-- join's authorisation check) is never delivered.
create or replace function realtime.local_notify_message() returns trigger
language plpgsql
as $$
begin
  perform pg_notify('realtime_messages', new.id::text);
  return null;
end
$$;
revoke execute on function realtime.local_notify_message() from public;

create or replace trigger local_notify_message after insert on realtime.messages
  for each row when (new.extension = 'broadcast')
  execute function realtime.local_notify_message();
