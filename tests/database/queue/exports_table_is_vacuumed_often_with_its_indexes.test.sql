-- Claims leave dead entries at the head of the claim index until a vacuum cleans the indexes, so
-- exports.exports is autovacuumed after a thousand dead rows whatever its size, with index cleanup
-- always on (a vacuum otherwise skips the indexes while under 2 % of its pages hold dead entries).
begin;
select plan(3);

create temporary table options as
  select split_part(o, '=', 1) as name, split_part(o, '=', 2) as value
  from pg_class c, unnest(c.reloptions) o
  where c.oid = 'exports.exports'::regclass;

select is((select value from options where name = 'autovacuum_vacuum_threshold'), '1000',
  'autovacuum runs after a thousand dead rows');
select is((select value from options where name = 'autovacuum_vacuum_scale_factor'), '0',
  'however large the table');
select is((select value from options where name = 'vacuum_index_cleanup'), 'on',
  'and always cleans the indexes');

select * from finish();
rollback;
