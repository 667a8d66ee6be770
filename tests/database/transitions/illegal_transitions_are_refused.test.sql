-- Every status transition outside the lifecycle is refused with EX021, whoever attempts it.
begin;
select plan(10);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;

create temp table illegal (from_status text, to_status text);
insert into illegal values
  ('queued', 'completed'), ('queued', 'failed'), ('queued', 'expired'),
  ('completed', 'queued'), ('completed', 'canceled'), ('failed', 'queued'),
  ('canceled', 'queued'), ('canceled', 'processing'), ('expired', 'completed');

-- Brings a fresh export to a given status along legal steps.
create function pg_temp.export_in(target_status text) returns uuid language plpgsql as $$
declare
  created uuid := exports_tests.request_as('owner');
begin
  if target_status in ('processing', 'completed', 'failed', 'expired') then
    update exports.exports e set status = 'processing' where e.export_id = created;
  end if;
  if target_status in ('completed', 'expired') then
    update exports.exports e set status = 'completed', file_size = 1, checksum_sha256 = repeat('0', 64),
      expires_at = now() where e.export_id = created;
  end if;
  if target_status in ('failed', 'expired', 'canceled') then
    update exports.exports e set status = target_status where e.export_id = created;
  end if;
  return created;
end $$;

select throws_ok(
    format($$ update exports.exports set status = %L where export_id = %L $$, to_status, pg_temp.export_in(from_status)),
    'EX021', format('an export cannot go from %s to %s', from_status, to_status),
    format('%s → %s is refused', from_status, to_status))
from illegal;

select exports_tests.request_as('owner') as deleted \gset
update exports.exports set deleted_at = now() where export_id = :'deleted';
select throws_ok(format($$ update exports.exports set deleted_at = null where export_id = %L $$, :'deleted'),
  'EX021', 'a deleted export cannot be restored', 'a deleted export cannot be undeleted');

select * from finish();
rollback;
