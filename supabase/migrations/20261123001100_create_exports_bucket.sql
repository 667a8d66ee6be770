-- The private Storage bucket the worker writes files into; links to its
-- objects are signed on demand by the exports API, never made public.

-- A bucket of that name the project already has is used as it is, unless it
-- is public: then every export would be readable by anyone with its path.
do $$
begin
  if exists (select from storage.buckets b where b.id = 'exports' and b.public) then
    raise exception 'the storage bucket "exports" exists and is public; exports must not be stored in it'
      using errcode = 'object_not_in_prerequisite_state',
            hint = 'Make it private (update storage.buckets set public = false where id = ''exports'') if nothing relies on it being public, or rename it, then run the migration again.';
  end if;
end
$$;

insert into storage.buckets (id, name, public)
values ('exports', 'exports', false)
on conflict (id) do nothing;
