-- Options that pick one of a fixed list (an analytics source's kind): the list
-- is a table, so a request is refused with every valid choice named, before
-- anything is queued.

-- ============================================================================
-- tables
-- ============================================================================

create table exports.option_choices (
  source text not null references exports.sources (name) on delete cascade on update cascade,
  option text not null,
  choice text not null,
  -- Where it comes in the lists messages show.
  position smallint not null,
  description text not null default '',
  primary key (source, option, choice),
  unique (source, option, position)
);
comment on table exports.option_choices is
  'The values a source''s text option may take, when it is a choice: a request must give one of them.';

-- ============================================================================
-- policies
-- ============================================================================

-- Like the sources they belong to: an app lists the choices to offer them.
alter table exports.option_choices enable row level security;
create policy "Option choices are visible to signed-in users" on exports.option_choices
  for select to authenticated using (true);
revoke all on exports.option_choices from public, anon, authenticated, service_role;
grant select on exports.option_choices to authenticated, service_role;

-- ============================================================================
-- functions
-- ============================================================================

-- The choices of one option, in order, as a message lists them.
create function exports._option_choice_names(source text, option text) returns text
language sql
stable
set search_path = ''
as $$
  select string_agg(c.choice, ', ' order by c.position)
  from exports.option_choices c
  where c.source = _option_choice_names.source and c.option = _option_choice_names.option
$$;

create function exports.set_option_choices(source text, option text, choices text[], descriptions text[] default null)
returns void
language plpgsql
set search_path = ''
as $$
begin
  if not exists (select from exports.sources s
                 where s.name = set_option_choices.source and s.option_types ->> set_option_choices.option = 'text') then
    raise exception 'source % has no text option %', source, option
      using errcode = 'EX030', hint = 'Declare it in register_source''s option_types as "text" first.';
  end if;
  if cardinality(choices) is not distinct from 0 or array_position(choices, null) is not null then
    raise exception 'option % of source % needs at least one choice, and no null ones', option, source
      using errcode = 'EX030';
  end if;
  delete from exports.option_choices c where c.source = set_option_choices.source and c.option = set_option_choices.option;
  insert into exports.option_choices (source, option, choice, position, description)
  select set_option_choices.source, set_option_choices.option, u.choice, u.n, coalesce(descriptions[u.n], '')
  from unnest(choices) with ordinality as u(choice, n);
end
$$;
comment on function exports.set_option_choices is
  'Makes a source''s text option a required choice among `choices` (in the order messages list them), replacing any earlier list.';

-- As before, and an option with choices must be given, and be one of them.
create or replace function exports._validate_options(source exports.sources, options jsonb) returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  option record;
  expected text;
begin
  if options is null or jsonb_typeof(options) <> 'object' then
    raise exception 'options must be a JSON object'
      using errcode = 'EX004', hint = 'Send {} when there is nothing to filter.';
  end if;
  for option in select key, value from jsonb_each(options) loop
    expected := source.option_types ->> option.key;
    if expected is null then
      raise exception 'source ''%'' has no option ''%''', source.name, option.key
        using errcode = 'EX004',
              hint = format('Its options are: %s.', coalesce(
                (select string_agg(k, ', ' order by k) from jsonb_object_keys(source.option_types) k), 'none'));
    end if;
    if not exports._is_of_option_type(option.value, expected) then
      raise exception 'option ''%'' must be a %; got %', option.key, expected, option.value
        using errcode = 'EX004',
              hint = case expected
                when 'date' then 'Dates are written YYYY-MM-DD.'
                when 'timestamp' then 'Timestamps are ISO 8601: 2026-01-31T12:00:00Z, 2026-01-31 12:00+05:00, '
                  'or a bare date 2026-01-31 for its midnight; without an offset, in the database''s time zone.'
                else format('Send a JSON %s.', expected) end;
    end if;
  end loop;
  -- The valid choices are in the message itself: it is what a client shows.
  for option in
    select c.option, exports._option_choice_names(source.name, c.option) as names
    from exports.option_choices c
    where c.source = source.name
    group by c.option
    having not coalesce((options ->> c.option) = any (array_agg(c.choice)), false)
    order by c.option
  loop
    if options ? option.option then
      raise exception 'option ''%'' of source ''%'' must be one of: %; got %',
        option.option, source.name, option.names, options -> option.option
        using errcode = 'EX004', hint = format('Send {"%s": "%s"}, for example.', option.option, split_part(option.names, ', ', 1));
    end if;
    raise exception 'source ''%'' needs option ''%'', one of: %', source.name, option.option, option.names
      using errcode = 'EX004', hint = format('Send {"%s": "%s"}, for example.', option.option, split_part(option.names, ', ', 1));
  end loop;
  -- As text, 9 would sort after 10, and 12:00+05:00 (07:00Z) after 08:00Z.
  -- register_source makes from and to share a type; both are valid by now.
  if options ? 'from' and options ? 'to' and (case source.option_types ->> 'from'
      when 'date' then (options ->> 'from')::date > (options ->> 'to')::date
      when 'timestamp' then (options ->> 'from')::timestamptz > (options ->> 'to')::timestamptz
      when 'number' then (options ->> 'from')::numeric > (options ->> 'to')::numeric
      when 'integer' then (options ->> 'from')::numeric > (options ->> 'to')::numeric
      when 'text' then (options ->> 'from') > (options ->> 'to')
      else false end) then
    raise exception 'option ''from'' (%) is after ''to'' (%)', options ->> 'from', options ->> 'to'
      using errcode = 'EX004', hint = 'Swap them, or leave one out for an open range.';
  end if;
end
$$;

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function exports._option_choice_names(text, text),
  exports.set_option_choices(text, text, text[], text[])
  from public, anon, authenticated, service_role;
