-- The bench's users: the bench user (whose data the exports read) and the
-- other users whose rows share every table, so RLS has rows to reject.
-- psql variables: other_users.

insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
values ('00000000-0000-4000-8000-00000000be00', 'authenticated', 'authenticated',
        'bench@example.com', now(), '{"provider":"email"}', '{}');

-- Other users get deterministic ids (the series number in the last 12 hex
-- digits), so later seed files can address them without a lookup.
insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
select bench.user_id(n), 'authenticated', 'authenticated', format('user%s@example.com', n), now(),
       '{"provider":"email"}', '{}'
from generate_series(1, :other_users) as n;
