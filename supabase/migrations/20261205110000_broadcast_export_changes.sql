-- Live status: every change of an export its people care about is broadcast with Supabase's
-- Broadcast from Database (rows of realtime.messages, as realtime.send writes them) on a private
-- topic, and RLS on realtime.messages lets only those who may see the export join it:
--   exports:user:<owner id>   an export without a scope, for its owner
--   exports:scope:<scope id>  a scope's export, for the scope's current members
-- The payload is {"export": <export_summary>, "id": <the message's id>}, the object get_export
-- answers. The events (exports.broadcast_events) are the audit log's names
-- (requested, started, retried, completed, failed, canceled, expired, deleted) and progress,
-- throttled here.

-- ============================================================================
-- tables
-- ============================================================================

-- The events a client's screen branches on: one list, which the triggers
-- below send no other name than (tests/database/realtime holds them to it).
create table exports.broadcast_events (
  name text primary key check (name ~ '^[a-z_]+$'),
  -- The order an export's events come in, for lists that show them.
  position smallint not null unique,
  description text not null
);
comment on table exports.broadcast_events is
  'The events broadcast on an export''s Realtime topic, each with what it tells a client.';

insert into exports.broadcast_events (name, position, description) values
  ('requested', 1, 'The export was requested and is queued.'),
  ('started', 2, 'A worker claimed the export and runs an attempt.'),
  ('progress', 3, 'The rows written so far (rows_written, of rows_expected when counted), at most once a second.'),
  ('retried', 4, 'An attempt failed in a way worth retrying; the export is queued again.'),
  ('completed', 5, 'The file is stored: its name, size, checksum, row count and expiry are in the summary.'),
  ('failed', 6, 'The export failed for good: error_code and error_message say why and what to do.'),
  ('canceled', 7, 'The export was canceled.'),
  ('expired', 8, 'The file passed its expiry and can no longer be downloaded.'),
  ('deleted', 9, 'The export was deleted and leaves every list.');

alter table exports.broadcast_events enable row level security;
create policy "Broadcast events are readable by signed-in users" on exports.broadcast_events
  for select to authenticated using (true);
revoke all on exports.broadcast_events from public, anon, authenticated, service_role;
grant select on exports.broadcast_events to authenticated, service_role;

-- ============================================================================
-- functions
-- ============================================================================

-- Who hears of an export: the same people the exports table's policy lets see it.
create function exports._broadcast_topic(owner_id uuid, scope_id uuid) returns text
language sql
immutable
parallel safe
begin atomic
  select case when scope_id is null then 'exports:user:' || owner_id::text
              else 'exports:scope:' || scope_id::text end;
end;
comment on function exports._broadcast_topic is
  'The private Realtime topic an export''s changes are broadcast on: exports:user:<owner> or exports:scope:<scope>.';

-- Statement-level over transition tables, like the audit log: a claim or a
-- completion of many exports sends its messages in one insert.
--
-- The rows are those realtime.send writes (a new id, also the payload's "id";
-- extension 'broadcast'; private), inserted set-based rather than through
-- realtime.send: it costs a PL/pgSQL call and a subtransaction a message,
-- which more than doubled the database's time to claim and complete an
-- export. Like realtime.send, a failure to broadcast only warns: Realtime
-- never fails an export. One block for the statement's messages.
--
-- Progress (rows_written moving while processing) is sent at most once per
-- export per wall-clock second: when this write falls in another second than
-- the export's previous write (updated_at). The worker's heartbeat records
-- progress every half second, and a million-row export's rows are written
-- from those heartbeats only; a screen needs no more than a figure a second,
-- and each message is a row in realtime.messages and one delivery per
-- subscriber counted against the project's Realtime quota. The rule needs no
-- state of its own, and the first heartbeat after a quiet second always
-- reports.
--
-- Security definer: the writers (the worker, pg_cron, the RPCs' owner) need
-- no right on realtime.messages.
create function exports._broadcast_changes() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  begin
    -- Each message's id is drawn in the subquery's select list, once a row
    -- (a volatile function keeps the subquery from being folded into the
    -- insert), and used twice: as the row's id and the payload's.
    if tg_op = 'INSERT' then
      insert into realtime.messages (id, topic, extension, event, payload, private)
      select m.id, m.topic, 'broadcast', 'requested', jsonb_build_object('export', m.export, 'id', m.id), true
      from (
        select gen_random_uuid() as id, exports._broadcast_topic(n.owner_id, n.scope_id) as topic,
          to_jsonb(exports._summary(n)) as export, n.id as n
        from new_rows n
      ) m
      order by m.n;
    else
      insert into realtime.messages (id, topic, extension, event, payload, private)
      select m.id, m.topic, 'broadcast', m.event, jsonb_build_object('export', m.export, 'id', m.id), true
      from (
        select gen_random_uuid() as id, exports._broadcast_topic(n.owner_id, n.scope_id) as topic,
          e.event, to_jsonb(exports._summary(n)) as export, n.id as n, e.step
        from new_rows n
        join old_rows o on o.id = n.id
        cross join lateral (values
          (1, case
                when n.status is distinct from o.status then
                  case n.status when 'processing' then 'started' when 'queued' then 'retried' else n.status end
                when n.status = 'processing' and n.rows_written is distinct from o.rows_written
                  and floor(extract(epoch from n.updated_at)) <> floor(extract(epoch from o.updated_at)) then 'progress'
              end),
          (2, case when n.deleted_at is not null and o.deleted_at is null then 'deleted' end)
        ) e(step, event)
        where e.event is not null
      ) m
      order by m.n, m.step;
    end if;
  exception
    when others then
      raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
  end;
  return null;
end
$$;
comment on function exports._broadcast_changes is
  'Broadcasts each export change (requested, started, progress at most once a second, retried, completed, failed, canceled, expired, deleted) on the export''s private Realtime topic.';

revoke execute on function exports._broadcast_topic(uuid, uuid), exports._broadcast_changes()
  from public, anon, authenticated, service_role;

-- ============================================================================
-- triggers
-- ============================================================================

-- After the audit log (_300) and the usage figures (_400): a broadcast tells
-- of a change that is already recorded.
create trigger _500_broadcast_changes_on_insert after insert on exports.exports
  referencing new table as new_rows
  for each statement execute function exports._broadcast_changes();
create trigger _500_broadcast_changes_on_update after update on exports.exports
  referencing old table as old_rows new table as new_rows
  for each statement execute function exports._broadcast_changes();

-- ============================================================================
-- policies
-- ============================================================================

-- Realtime runs these when a client joins a private channel, with the topic in
-- realtime.topic(): a join is allowed when a broadcast message on the topic
-- would be readable. Each policy also holds the row's own topic to the joined
-- one, so that nobody who sets realtime.topic by hand reads other topics.
create policy "Owners receive the broadcasts of their own exports" on realtime.messages
  for select to authenticated using (
    extension = 'broadcast'
    and topic = (select realtime.topic())
    and (select realtime.topic()) = 'exports:user:' || (select auth.uid())::text
  );

-- = any (array(...)): the caller's memberships are read once per statement.
create policy "Scope members receive the broadcasts of their scope's exports" on realtime.messages
  for select to authenticated using (
    extension = 'broadcast'
    and topic = (select realtime.topic())
    and (select realtime.topic()) = any (array(
      select 'exports:scope:' || m.scope_id::text from exports.scope_members m where m.user_id = (select auth.uid())))
  );
