-- Every EX SQLSTATE the module raises is listed in exports.error_codes, and every listed one is raised somewhere.
begin;
select plan(2);

create temp table raised as
select distinct m[1] as sqlstate
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
cross join lateral regexp_matches(p.prosrc, 'errcode = ''(EX[0-9A-Z]{3})''', 'g') m
where n.nspname in ('exports', 'public');

select is_empty('select sqlstate from raised except select sqlstate from exports.error_codes',
  'every SQLSTATE the module raises is listed with its HTTP status');
select is_empty('select sqlstate from exports.error_codes except select sqlstate from raised',
  'every listed SQLSTATE is raised by some function');

select * from finish();
rollback;
