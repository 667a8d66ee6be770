-- Rules the exports table enforces on every write, whoever makes it: legal
-- status transitions, timestamps, the audit log and the usage figures.
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

-- PL/pgSQL rather than SQL: it keeps the insert's plan for the session, where
-- a SQL function would plan it again on every call (two calls per export).
create function exports._log_event(
  export_row exports.exports, event text, detail jsonb default '{}'
) returns void
language plpgsql
set search_path = ''
as $$
begin
  insert into exports.export_events (export_id, owner_id, scope_id, event, actor_id, actor_role, detail)
  values (export_row.export_id, export_row.owner_id, export_row.scope_id, event,
          auth.uid(), coalesce(auth.role(), 'system'), detail);
end
$$;

create function exports._record_events() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform exports._log_event(new, 'requested',
      jsonb_build_object('source', new.source, 'format', new.format, 'rows_expected', new.rows_expected));
    return null;
  end if;

  if new.status is distinct from old.status then
    perform exports._log_event(new,
      case
        when new.status = 'processing' then 'started'
        when new.status = 'queued' then 'retried'
        else new.status
      end,
      jsonb_strip_nulls(jsonb_build_object(
        'attempt', new.attempt,
        'error_code', new.error_code,
        'row_count', case when new.status = 'completed' then new.row_count end,
        'file_size', case when new.status = 'completed' then new.file_size end,
        'next_run_at', case when new.status = 'queued' then new.next_run_at end)));
  end if;
  if new.download_count > old.download_count then
    perform exports._log_event(new, 'downloaded', jsonb_build_object('download_count', new.download_count));
  end if;
  if new.deleted_at is not null and old.deleted_at is null then
    perform exports._log_event(new, 'deleted');
  end if;
  if new.purged_at is not null and old.purged_at is null then
    perform exports._log_event(new, 'purged');
  end if;
  return null;
end
$$;

create trigger _300_record_events_on_insert after insert on exports.exports
  for each row execute function exports._record_events();
create trigger _300_record_events_on_update after update on exports.exports
  for each row
  when (new.status is distinct from old.status or new.download_count > old.download_count
        or (new.deleted_at is not null and old.deleted_at is null)
        or (new.purged_at is not null and old.purged_at is null))
  execute function exports._record_events();

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

create function exports._track_usage() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  was_active boolean := tg_op = 'UPDATE' and old.status in ('queued', 'processing');
  is_active boolean := new.status in ('queued', 'processing');
  became_completed boolean := new.status = 'completed' and (tg_op = 'INSERT' or old.status <> 'completed');
  new_downloads int := new.download_count - case when tg_op = 'UPDATE' then old.download_count else 0 end;
begin
  if tg_op = 'INSERT' then
    insert into exports.usage as u (user_id, active_exports, exports_requested, last_requested_at)
    values (new.owner_id, is_active::int, 1, new.requested_at)
    on conflict (user_id) do update set
      active_exports = u.active_exports + excluded.active_exports,
      exports_requested = u.exports_requested + 1,
      last_requested_at = excluded.last_requested_at;
    return null;
  end if;

  update exports.usage as u set
    active_exports = u.active_exports + is_active::int - was_active::int,
    exports_completed = u.exports_completed + became_completed::int,
    bytes_exported = u.bytes_exported + case when became_completed then coalesce(new.file_size, 0) else 0 end,
    rows_exported = u.rows_exported + case when became_completed then coalesce(new.row_count, 0) else 0 end,
    last_export_at = case when became_completed then now() else u.last_export_at end,
    downloads = u.downloads + greatest(new_downloads, 0)
  where u.user_id = new.owner_id;
  return null;
end
$$;

-- Only an export becoming active or inactive (completion included) and a
-- download move the figures; a claim (queued to processing) does not.
create trigger _400_track_usage_on_insert after insert on exports.exports
  for each row execute function exports._track_usage();
create trigger _400_track_usage_on_update after update on exports.exports
  for each row
  when ((new.status in ('queued', 'processing')) <> (old.status in ('queued', 'processing'))
        or new.download_count <> old.download_count)
  execute function exports._track_usage();
