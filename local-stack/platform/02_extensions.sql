-- The extensions schema Supabase installs extensions into.
create schema if not exists extensions;
grant usage on schema extensions to anon, authenticated, service_role;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;

-- Supabase puts the extensions schema on the postgres role's search_path, so
-- extension functions (pgTAP's among them) resolve unqualified.
do $$
begin
  if not exists (
    select from pg_db_role_setting s join pg_roles r on r.oid = s.setrole
    where r.rolname = 'postgres' and s.setdatabase = 0
      and exists (select from unnest(s.setconfig) c where c like 'search_path=%')
  ) then
    alter role postgres set search_path = "$user", public, extensions;
  end if;
end
$$;
