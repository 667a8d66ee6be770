-- Helpers the seed files share, in a schema of the bench's own that the
-- module never sees.

create schema if not exists bench;

-- The id of other user n (n >= 1): deterministic, so seed files agree on it,
-- and in a range of its own, apart from the bench users' ids.
create or replace function bench.user_id(n bigint) returns uuid
language sql immutable
as $$ select format('00000000-0000-4000-9000-%s', lpad(to_hex(n), 12, '0'))::uuid $$;

-- The id of an owner's conversation n, so messages need no lookup to find it.
create or replace function bench.conversation_id(owner_id uuid, n int) returns uuid
language sql immutable
as $$ select md5(owner_id::text || ':' || n)::uuid $$;

-- Text to cut message contents from: commas, quotes and line breaks included,
-- so the CSV writer quotes and escapes as it would for real chat text.
create or replace function bench.lorem() returns text
language sql immutable
as $$
  select repeat(
    'Lorem ipsum dolor sit amet, consectetur adipiscing elit. "Quoted", she said; '
    || E'then a new line:\nsed do eiusmod tempor incididunt ut labore et dolore magna aliqua. '
    || 'Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip. ', 4)
$$;

-- Secondary indexes are dropped before a bulk load and rebuilt from their own
-- definitions after it: one sort each instead of one insert a row. Indexes
-- behind constraints (primary keys, unique) stay.
create table if not exists bench.saved_indexes (name text primary key, definition text not null);

create or replace procedure bench.drop_secondary_indexes(tables regclass[])
language plpgsql
as $$
declare
  saved record;
begin
  for saved in
    select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i
    where i.indrelid = any (tables)
      and not exists (select from pg_constraint c where c.conindid = i.indexrelid)
  loop
    insert into bench.saved_indexes values (saved.name, saved.definition);
    execute format('drop index %s', saved.name);
  end loop;
end
$$;

create or replace procedure bench.rebuild_indexes()
language plpgsql
as $$
declare
  saved record;
begin
  for saved in delete from bench.saved_indexes returning definition loop
    execute saved.definition;
  end loop;
end
$$;
