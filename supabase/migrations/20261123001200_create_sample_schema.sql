-- The sample app that demonstrates the module: schema `sample` with chat
-- conversations and a shared household budget. Delete these sample
-- migrations (and supabase/seed.sql's rows) when you build your own app.

create schema if not exists sample;
comment on schema sample is
  'A sample app for Supabase Exports (conversations, household budgets); safe to delete with its migrations.';

revoke all on schema sample from public;
grant usage on schema sample to authenticated, service_role;
alter default privileges in schema sample revoke execute on functions from public;
