-- An export's file name ends with its format's extension and its content type is the format's,
-- for every format in exports.formats, and gzip wraps both.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 20, max_exports_per_day = 50;
update exports.sources set formats = array(select name from exports.formats order by position)
where name = 'test_items';

create temp table requested as
select f.name as format, exports_tests.request_as('owner', format => f.name) as export_id
from exports.formats f;

select is_empty($$
  select f.name from exports.formats f
  where f.content_type !~ '^[a-z]+/[a-z0-9.+-]+(; charset=utf-8)?$' or f.extension !~ '^[a-z0-9]+$'
$$, 'every format has a media type and a file extension');
select is((select count(*)::int from requested), (select count(*)::int from exports.formats),
  'every format can be requested from a source that offers it');
select is_empty($$
  select r.format from requested r
  join exports.exports e using (export_id) join exports.formats f on f.name = r.format
  where e.file_name not like '%.' || f.extension or e.content_type <> f.content_type
$$, 'each export''s file name ends with its format''s extension and carries its media type');

select exports_tests.authenticate_as('owner');
select is((select r.file_name ~ '\.md\.gz$' and r.content_type = 'application/gzip'
           from public.request_export(source => 'test_items', format => 'markdown', compression => 'gzip') r),
  true, 'a gzip export adds .gz to the extension and is application/gzip');

select * from finish();
rollback;
