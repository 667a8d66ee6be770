-- Values that must survive Markdown and HTML: Markdown's inline markup and a
-- cell's edge whitespace are escaped, and HTML gets no character that its
-- parser treats as an error.

-- A table cell that renders as its literal text: HTML metacharacters are
-- escaped as references, Markdown's inline markup and the cell's pipes with a
-- backslash, whitespace at either end (which a table trims) as references,
-- and line breaks become <br>.
create or replace function exports.markdown_cell(value text) returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select regexp_replace(
    case when escaped ~ ('^' || edge || '|' || edge || '$') then
      (select string_agg(
         case when c ~ edge and (n <= length(lead) or n > length(escaped) - length(trail))
           then '&#' || ascii(c) || ';' else c end, '' order by n)
       from regexp_split_to_table(escaped, '') with ordinality as s(c, n),
            substring(escaped from '^' || edge || '*') as lead,
            substring(escaped from edge || '*$') as trail)
    else escaped end,
    '\r\n|\r|\n', '<br>', 'g')
  from regexp_replace(
         replace(replace(replace(coalesce(value, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
         '([\\`*_\[\]~|])', '\\\1', 'g') as escaped,
       -- What JavaScript's trim() removes, as Markdown readers trim a cell,
       -- less line breaks, which become <br>.
       (select '[ \t\v\f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]') as w(edge)
$$;
comment on function exports.markdown_cell is 'Escapes a value for a Markdown table cell.';

-- HTML makes every control character but whitespace, and every noncharacter,
-- a parse error, written raw or as a character reference alike: C0 controls
-- and DEL are written as their Unicode control pictures (U+0001 as U+2401,
-- U+007F as U+2421), the others as U+FFFD.
create or replace function exports.html_escape(value text) returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select replace(replace(replace(replace(replace(
    case when v ~ forbidden then
      (select string_agg(
         case when c ~ '[\x01-\x08\x0b\x0e-\x1f]' then chr(9216 + ascii(c))
              when c = chr(127) then chr(9249)
              when c ~ forbidden then chr(65533)
              else c end, '' order by n)
       from regexp_split_to_table(v, '') with ordinality as s(c, n))
    else v end,
    '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')
  from coalesce(value, '') as v,
       (select '[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\U0001fffe-\U0001ffff\U0002fffe-\U0002ffff\U0003fffe-\U0003ffff\U0004fffe-\U0004ffff\U0005fffe-\U0005ffff\U0006fffe-\U0006ffff\U0007fffe-\U0007ffff\U0008fffe-\U0008ffff\U0009fffe-\U0009ffff\U000afffe-\U000affff\U000bfffe-\U000bffff\U000cfffe-\U000cffff\U000dfffe-\U000dffff\U000efffe-\U000effff\U000ffffe-\U000fffff\U0010fffe-\U0010ffff]') as f(forbidden)
$$;
comment on function exports.html_escape is
  'Escapes text for HTML element content and attribute values; controls and noncharacters, which HTML forbids, become visible replacements.';
