-- Helpers the seed files share, in a schema of the bench's own that the
-- module never sees.

create schema if not exists bench;

-- The id of other user n (n >= 1): deterministic, so seed files agree on it.
create or replace function bench.user_id(n bigint) returns uuid
language sql immutable
as $$ select format('00000000-0000-4000-8000-%s', lpad(to_hex(n), 12, '0'))::uuid $$;
