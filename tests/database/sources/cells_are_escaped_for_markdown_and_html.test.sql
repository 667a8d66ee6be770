-- Markdown and HTML chunks render every value as its literal text: metacharacters are escaped and line breaks kept.
begin;
select plan(6);

select is(exports.markdown_row(json_build_object('a', 'x | y', 'b', E'one\ntwo', 'c', null, 'd', '<b>&\')),
  '| x \| y | one<br>two |  | &lt;b&gt;&amp;\\ |',
  'a Markdown row escapes pipes, backslashes and HTML, and turns line breaks into <br>');
select is(exports.markdown_header(array['name', 'a|b']), E'| name | a\\|b |\n| --- | --- |',
  'a Markdown header is the column row and the delimiter row');
select is(exports.html_row(json_build_object('a', '<script>alert("x")</script>', 'b', E'l1\r\nl2', 'c', 'it''s')),
  '<tr><td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td><td>l1<br>l2</td><td>it&#39;s</td></tr>',
  'an HTML row escapes markup and quotes');
select is(exports.html_header(array['<id>', 'name']), '<tr><th>&lt;id&gt;</th><th>name</th></tr>',
  'an HTML header escapes column names');
select is(exports.markdown_row(row_to_json(r)), '| 1 | 2 | 3 |', 'cells keep the column order of the row')
from (select 1 as z, 2 as a, 3 as m) r;
select is(exports.markdown_row(json_build_object('u', 'über ☕ 日本語')), '| über ☕ 日本語 |', 'unicode passes through untouched');

select * from finish();
rollback;
