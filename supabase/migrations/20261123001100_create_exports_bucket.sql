-- The private Storage bucket the worker writes files into; links to its
-- objects are signed on demand by the exports API, never made public.

insert into storage.buckets (id, name, public)
values ('exports', 'exports', false)
on conflict (id) do nothing;
