-- Rules the exports table enforces on every write, whoever makes it: legal
-- status transitions, timestamps, the audit log and the usage figures; and
-- the formats a source offers, which must be listed in exports.formats.
-- Trigger names carry a number so their firing order (alphabetical) is explicit.

-- ============================================================================
-- timestamps
-- ============================================================================

create function exports._set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

create trigger _100_set_updated_at before update on exports.exports
  for each row execute function exports._set_updated_at();

-- ============================================================================
-- status transitions
-- ============================================================================

-- Why a trigger and not only the functions: the lifecycle must hold for every
-- writer, including a future function or an operator's manual fix.
create function exports._check_status_transition() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status and (old.status, new.status) not in (
    ('queued', 'processing'), ('queued', 'canceled'),
    ('processing', 'queued'), ('processing', 'completed'), ('processing', 'failed'), ('processing', 'canceled'),
    ('completed', 'expired')
  ) then
    raise exception 'an export cannot go from % to %', old.status, new.status
      using errcode = 'EX021',
            hint = 'Queued and processing exports can be canceled; completed ones expire; the others are final.';
  end if;
  if old.deleted_at is not null and new.deleted_at is null then
    raise exception 'a deleted export cannot be restored'
      using errcode = 'EX021', hint = 'Request a new export instead.';
  end if;
  return new;
end
$$;

-- The WHEN clause is evaluated without calling the function: heartbeats and
-- progress updates, most of the table's writes, skip it.
create trigger _200_check_status_transition before update on exports.exports
  for each row
  when (new.status is distinct from old.status or new.deleted_at is distinct from old.deleted_at)
  execute function exports._check_status_transition();

-- ============================================================================
-- audit log
-- ============================================================================

-- Statement-level triggers over transition tables: a claim or a completion
-- changes several exports in one statement, and one set-based insert logs them
-- all. Row-level triggers would cost a PL/pgSQL call and an insert per export,
-- a large share of the queue's time in Postgres.
create function exports._record_events() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  actor_id uuid := auth.uid();
  actor_role text := coalesce(auth.role(), 'system');
begin
  if tg_op = 'INSERT' then
    insert into exports.export_events (export_id, owner_id, scope_id, event, actor_id, actor_role, detail)
    select n.export_id, n.owner_id, n.scope_id, 'requested', actor_id, actor_role,
           jsonb_build_object('source', n.source, 'format', n.format, 'rows_expected', n.rows_expected)
    from new_rows n
    order by n.id;
    return null;
  end if;

  -- One update can make several events of one export (a completion that is
  -- also downloaded, say): they are logged in this order.
  insert into exports.export_events (export_id, owner_id, scope_id, event, actor_id, actor_role, detail)
  select n.export_id, n.owner_id, n.scope_id, e.event, actor_id, actor_role, e.detail
  from new_rows n
  join old_rows o on o.id = n.id
  cross join lateral (values
    (1, case when n.status is distinct from o.status then
          case n.status when 'processing' then 'started' when 'queued' then 'retried' else n.status end
        end,
        jsonb_strip_nulls(jsonb_build_object(
          'attempt', n.attempt,
          'error_code', n.error_code,
          'row_count', case when n.status = 'completed' then n.row_count end,
          'file_size', case when n.status = 'completed' then n.file_size end,
          'next_run_at', case when n.status = 'queued' then n.next_run_at end))),
    (2, case when n.download_count > o.download_count then 'downloaded' end,
        jsonb_build_object('download_count', n.download_count)),
    (3, case when n.deleted_at is not null and o.deleted_at is null then 'deleted' end, '{}'::jsonb),
    (4, case when n.purged_at is not null and o.purged_at is null then 'purged' end, '{}'::jsonb)
  ) e(step, event, detail)
  where e.event is not null
  order by n.id, e.step;
  return null;
end
$$;

create trigger _300_record_events_on_insert after insert on exports.exports
  referencing new table as new_rows
  for each statement execute function exports._record_events();
create trigger _300_record_events_on_update after update on exports.exports
  referencing old table as old_rows new table as new_rows
  for each statement execute function exports._record_events();


-- The log is append-only: even the table owner is refused, except for the
-- retention prune in exports.cleanup_expired_exports(), which says so first.
create function exports._refuse_event_changes() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and current_setting('exports.pruning_events', true) = 'on' then
    return old;
  end if;
  raise exception 'export events are append-only'
    using errcode = 'insufficient_privilege', hint = 'Events are pruned only by exports.cleanup_expired_exports().';
end
$$;

create trigger _100_refuse_event_changes before update or delete on exports.export_events
  for each row execute function exports._refuse_event_changes();
create trigger _100_refuse_event_truncate before truncate on exports.export_events
  for each statement execute function exports._refuse_event_changes();

-- ============================================================================
-- usage
-- ============================================================================

-- Statement-level, like the audit log: one write per statement, whatever the
-- number of exports it changed. Only an export becoming active or inactive
-- (completion included) and a download move the figures; a claim (queued to
-- processing) does not. Exports count for their owner; a download counts for
-- the user who made it (a member of the export's scope, say), or for the
-- owner when no user did.
create function exports._track_usage() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  downloader uuid := auth.uid();
  moved_users uuid[];
begin
  -- Counters are written in user order: two workers completing exports of
  -- the same users at once would otherwise lock them in opposite orders and
  -- deadlock. An insert's rows are processed in the order they are selected.
  if tg_op = 'INSERT' then
    insert into exports.usage as u (user_id, active_exports, exports_requested, last_requested_at)
    select n.owner_id, count(*) filter (where n.status in ('queued', 'processing')), count(*), max(n.requested_at)
    from new_rows n
    group by n.owner_id
    order by n.owner_id
    on conflict (user_id) do update set
      active_exports = u.active_exports + excluded.active_exports,
      exports_requested = u.exports_requested + excluded.exports_requested,
      last_requested_at = excluded.last_requested_at;
    return null;
  end if;

  -- A downloader who never requested an export has no figures yet.
  if downloader is not null and exists (
    select from new_rows n join old_rows o on o.id = n.id where n.download_count > o.download_count
  ) then
    insert into exports.usage (user_id) values (downloader) on conflict (user_id) do nothing;
  end if;

  -- An update has no order of its own: lock the counters in user order first,
  -- and only those of users whose figures move; the update below writes no
  -- other (a statement that requeues some exports and fails others must not
  -- take the requeued users' rows out of order).
  select array_agg(l.user_id) into moved_users
  from (
    select u.user_id from exports.usage u
    where u.user_id in (
      select n.owner_id from new_rows n join old_rows o on o.id = n.id
      where (n.status in ('queued', 'processing')) <> (o.status in ('queued', 'processing'))
      union all
      select coalesce(downloader, n.owner_id) from new_rows n join old_rows o on o.id = n.id
      where n.download_count <> o.download_count)
    order by u.user_id
    for no key update
  ) l;
  if moved_users is null then
    return null;
  end if;

  update exports.usage as u set
    active_exports = u.active_exports + c.active_change,
    exports_completed = u.exports_completed + c.completed,
    bytes_exported = u.bytes_exported + c.bytes,
    rows_exported = u.rows_exported + c.rows,
    last_export_at = case when c.completed > 0 then now() else u.last_export_at end,
    downloads = u.downloads + c.downloads
  from (
    select m.user_id, sum(m.active_change) as active_change, sum(m.completed) as completed,
      sum(m.bytes) as bytes, sum(m.rows) as rows, sum(m.downloads) as downloads
    from new_rows n
    join old_rows o on o.id = n.id
    cross join lateral (values
      (n.owner_id,
        (n.status in ('queued', 'processing'))::int - (o.status in ('queued', 'processing'))::int,
        (n.status = 'completed' and o.status <> 'completed')::int,
        case when n.status = 'completed' and o.status <> 'completed' then coalesce(n.file_size, 0) else 0 end,
        case when n.status = 'completed' and o.status <> 'completed' then coalesce(n.row_count, 0) else 0 end,
        0),
      (coalesce(downloader, n.owner_id), 0, 0, 0, 0, greatest(n.download_count - o.download_count, 0))
    ) m(user_id, active_change, completed, bytes, rows, downloads)
    where m.user_id = any (moved_users)
    group by m.user_id
  ) c
  where u.user_id = c.user_id;
  return null;
end
$$;

create trigger _400_track_usage_on_insert after insert on exports.exports
  referencing new table as new_rows
  for each statement execute function exports._track_usage();
create trigger _400_track_usage_on_update after update on exports.exports
  referencing old table as old_rows new table as new_rows
  for each statement execute function exports._track_usage();

-- ============================================================================
-- formats of sources
-- ============================================================================

-- The foreign key that exports.sources.formats, an array, cannot declare:
-- every format a source offers is one in exports.formats, in both tables.
create function exports._check_source_formats() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  unknown text;
begin
  if tg_table_name = 'sources' then
    select string_agg(f, ', ') into unknown
    from unnest(new.formats) f
    where not exists (select from exports.formats x where x.name = f);
    if unknown is not null then
      raise exception 'source % offers formats that exports.formats does not list: %', new.name, unknown
        using errcode = 'foreign_key_violation';
    end if;
    return new;
  end if;
  if tg_op = 'UPDATE' and new.name = old.name then
    return new;
  end if;
  select string_agg(s.name, ', ') into unknown from exports.sources s where old.name = any (s.formats);
  if unknown is not null then
    raise exception 'format % is offered by sources %', old.name, unknown
      using errcode = 'foreign_key_violation';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end
$$;

create trigger _100_check_source_formats before insert or update of formats on exports.sources
  for each row execute function exports._check_source_formats();
create trigger _100_check_source_formats before delete or update of name on exports.formats
  for each row execute function exports._check_source_formats();
