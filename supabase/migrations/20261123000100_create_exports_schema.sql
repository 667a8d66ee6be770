-- The export module's private schema: its tables and the worker's functions
-- live here, out of the API; clients reach the module only through public RPCs.

create schema if not exists exports;
comment on schema exports is
  'Supabase Exports: private tables, the worker queue and cleanup. Clients use the public RPCs (request_export, list_exports, ...).';

-- Nothing in the schema is reachable by default. authenticated needs usage
-- because the public RPCs that RLS alone can govern run as the caller, and
-- the worker runs source statements as the user, which call the renderers.
revoke all on schema exports from public;
grant usage on schema exports to authenticated, service_role;

-- Functions in the schema are executable by nobody until a grant after each
-- one says otherwise; the public RPCs revoke and grant explicitly, because
-- Supabase's default privileges expose everything new in public.
alter default privileges in schema exports revoke execute on functions from public;
