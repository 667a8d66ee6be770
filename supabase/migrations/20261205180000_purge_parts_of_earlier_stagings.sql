-- The purge reaches every part an export ever recorded.
--
-- A staging lost in a Postgres crash is run again from row one, forgetting
-- the parts recorded so far; when the source's rows have shrunk meanwhile,
-- the new run writes fewer parts, and the first run's last ones stay in the
-- bucket unless the purge still lists them.

alter table exports.exports add column parts_high_water int not null default 0
  constraint exports_parts_high_water_check check (parts_high_water >= 0);
comment on column exports.exports.parts_high_water is
  'The most parts any staging of the export recorded: the purge removes that many even when a staging run again writes fewer.';

create function exports._keep_parts_high_water() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.parts_high_water := greatest(old.parts_high_water, old.parts, new.parts);
  return new;
end
$$;
comment on function exports._keep_parts_high_water is
  'Trigger: keeps exports.parts_high_water at the most parts the export has recorded.';

create trigger _150_keep_parts_high_water before update of parts on exports.exports
  for each row execute function exports._keep_parts_high_water();

create or replace function exports._export_paths(e exports.exports) returns text[]
language sql
stable
security definer
set search_path = ''
as $$
  select array(
    select exports._attempt_path(coalesce(e.scope_id, e.owner_id), e.export_id, n, e.file_name)
    from generate_series(1, coalesce(e.staged_attempt - 1, e.attempt)) as n
    union all
    select pg_catalog.format('%s/%s/%s', coalesce(e.scope_id, e.owner_id), e.export_id, exports._part_file_name(e, n))
    from generate_series(1, greatest(e.parts, e.parts_high_water) + 2) as n
    where e.staged_attempt is not null)
$$;
comment on function exports._export_paths is
  'Every path an export''s files may have in the bucket: each attempt''s whole file before it was staged, then its parts, those of earlier stagings included.';

revoke execute on function exports._keep_parts_high_water() from public, anon, authenticated, service_role;
