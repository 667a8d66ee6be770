-- Refuses an access token that names no user (EX009): one whose user was
-- deleted since it was issued, or whose sub is not a user id. Such a token is
-- validly signed, so without this check it reached the module's inserts and
-- failed there with an internal error.

-- ============================================================================
-- error codes
-- ============================================================================

insert into exports.error_codes (sqlstate, name, http_status, description) values
  ('EX009', 'unknown_user', 401, 'The access token names no user of the project: one deleted since it was issued, or a sub that is not a user id.');

-- ============================================================================
-- functions
-- ============================================================================

-- The caller's user id: refuses a caller with no sub (EX008) and one whose sub
-- names no user (EX009), before anything else reads auth.uid().
create or replace function exports._require_user() returns uuid
language plpgsql
stable
-- Reads auth.users, which signed-in users cannot select.
security definer
set search_path = ''
as $$
declare
  sub text := auth.jwt() ->> 'sub';
  uid uuid;
begin
  -- A sub that uuid_in would refuse is checked first, so the caller reads
  -- EX009 rather than auth.uid()'s bare 22P02.
  if sub !~* '^([{]([0-9a-f]{4}-?){7}[0-9a-f]{4}[}]|([0-9a-f]{4}-?){7}[0-9a-f]{4})$' then
    raise exception 'the access token''s subject is not a user id'
      using errcode = 'EX009', hint = 'Sign in again to get a user''s access token.';
  end if;
  uid := auth.uid();
  if uid is null then
    raise exception 'you must be signed in to use exports'
      using errcode = 'EX008', hint = 'Send the request with a signed-in user''s access token.';
  end if;
  -- Access tokens outlive the deletion of their user until they expire.
  if not exists (select from auth.users u where u.id = uid) then
    raise exception 'the signed-in user no longer exists'
      using errcode = 'EX009', hint = 'Sign in again as an existing user.';
  end if;
  return uid;
end
$$;
