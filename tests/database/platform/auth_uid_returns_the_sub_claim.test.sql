-- auth.uid(), auth.role() and auth.jwt() read the claims PostgREST sets, as on Supabase.
begin;
select plan(4);

set local role authenticated;
set local request.jwt.claims = '{"sub": "6f0d2d3e-6a59-4a43-8d0c-2f4b3c1a9e11", "role": "authenticated", "email": "ada@example.com"}';

select is(auth.uid(), '6f0d2d3e-6a59-4a43-8d0c-2f4b3c1a9e11'::uuid,
  'auth.uid() returns the sub claim of the request''s JWT');
select is(auth.role(), 'authenticated', 'auth.role() returns the role claim');
select is(auth.jwt() ->> 'email', 'ada@example.com', 'auth.jwt() returns every claim');

set local request.jwt.claims = '';
select is(auth.uid(), null, 'auth.uid() is null when the request carries no claims');

select * from finish();
rollback;
