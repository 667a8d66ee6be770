-- Sample domain: the `analytics` export source, aggregates over a user's
-- conversations computed in Postgres (the worker only writes the result). An
-- option picks the kind; every kind has the same tidy shape, one figure a row:
-- kind, period, category, measure, value, so every tabular format suits it.

-- ============================================================================
-- source functions (security invoker: the conversations' RLS decides)
-- ============================================================================

-- Periods and hours are UTC. Options: kind (required, one of the choices
-- registered below), and the conversation filters of
-- sample.filtered_conversations (from, to, min_quality, tag).
create function sample.conversation_analytics(options jsonb)
returns table (kind text, period date, category text, measure text, value numeric)
language sql
stable
security invoker
begin atomic
  -- ord orders the rows of a period (roles, buckets, busiest first), mord
  -- the measures of a category.
  select r.kind, r.period, r.category, r.measure, r.value
  from (
    -- daily_activity: conversations started a day, and messages a day, in all and by role.
    select 'daily_activity' as kind, d.day as period, d.category, d.measure, d.value, d.ord, 0 as mord
    from (
      select (c.created_at at time zone 'utc')::date as day, 'all' as category, 'conversations' as measure,
        count(*)::numeric as value, 0 as ord
      from sample.filtered_conversations(options) c
      group by 1
      union all
      select (m.created_at at time zone 'utc')::date, coalesce(m.role, 'all'), 'messages', count(*)::numeric,
        case m.role when 'system' then 2 when 'user' then 3 when 'assistant' then 4 else 1 end
      from sample.filtered_conversations(options) c
      join sample.messages m on m.conversation_id = c.id
      group by grouping sets (((m.created_at at time zone 'utc')::date), ((m.created_at at time zone 'utc')::date, m.role))
    ) d
    where options ->> 'kind' = 'daily_activity'
    union all
    -- quality_over_time: the mean quality score of the conversations started each week (Monday).
    select 'quality_over_time', date_trunc('week', c.created_at at time zone 'utc')::date, 'all', q.measure,
      case q.measure when 'conversations' then count(*)::numeric when 'rated_conversations' then count(c.quality_score)::numeric
        else round(avg(c.quality_score), 4) end,
      0, q.ord
    from sample.filtered_conversations(options) c
    cross join (values ('conversations', 1), ('rated_conversations', 2), ('mean_quality', 3)) as q(measure, ord)
    where options ->> 'kind' = 'quality_over_time'
    group by 2, q.measure, q.ord
    union all
    -- tag_stats: conversations per tag, and their mean quality score.
    select 'tag_stats', null::date, t.tag, q.measure,
      case q.measure when 'conversations' then count(*)::numeric else round(avg(c.quality_score), 4) end, 0, q.ord
    from sample.filtered_conversations(options) c
    cross join unnest(c.tags) as t(tag)
    cross join (values ('conversations', 1), ('mean_quality', 2)) as q(measure, ord)
    where options ->> 'kind' = 'tag_stats'
    group by t.tag, q.measure, q.ord
    union all
    -- conversation_length: how many conversations have how many messages.
    select 'conversation_length', null::date, b.bucket, 'conversations', count(*)::numeric, min(b.lower), 0
    from (
      select n.messages, case when n.messages <= 2 then n.messages::text when n.messages <= 5 then '3-5'
          when n.messages <= 10 then '6-10' when n.messages <= 20 then '11-20' else '21+' end as bucket,
        case when n.messages <= 2 then n.messages when n.messages <= 5 then 3 when n.messages <= 10 then 6
          when n.messages <= 20 then 11 else 21 end as lower
      from (
        select (select count(*) from sample.messages m where m.conversation_id = c.id) as messages
        from sample.filtered_conversations(options) c
      ) n
    ) b
    where options ->> 'kind' = 'conversation_length'
    group by b.bucket
    union all
    -- response_length_by_role: message length in characters, by role.
    select 'response_length_by_role', null::date, m.role, q.measure,
      case q.measure when 'messages' then count(*)::numeric
        when 'mean_chars' then round(avg(char_length(m.content)), 2)
        when 'median_chars' then (percentile_cont(0.5) within group (order by char_length(m.content)))::numeric
        when 'p90_chars' then (percentile_cont(0.9) within group (order by char_length(m.content)))::numeric
        else max(char_length(m.content))::numeric end,
      0, q.ord
    from sample.filtered_conversations(options) c
    join sample.messages m on m.conversation_id = c.id
    cross join (values ('messages', 1), ('mean_chars', 2), ('median_chars', 3), ('p90_chars', 4), ('max_chars', 5))
      as q(measure, ord)
    where options ->> 'kind' = 'response_length_by_role'
    group by m.role, q.measure, q.ord
    union all
    -- busiest_hours: messages by hour of the week, busiest first.
    select 'busiest_hours', null::date,
      to_char(date_trunc('hour', m.created_at at time zone 'utc'), 'Dy HH24:00'), 'messages', count(*)::numeric,
      -count(*) * 1000 + extract(isodow from m.created_at at time zone 'utc') * 24 + extract(hour from m.created_at at time zone 'utc'), 0
    from sample.filtered_conversations(options) c
    join sample.messages m on m.conversation_id = c.id
    where options ->> 'kind' = 'busiest_hours'
    group by 3, extract(isodow from m.created_at at time zone 'utc'), extract(hour from m.created_at at time zone 'utc')
    union all
    -- tag_by_month: conversations per tag and month, one cell of the matrix a row.
    select 'tag_by_month', date_trunc('month', c.created_at at time zone 'utc')::date, t.tag, 'conversations',
      count(*)::numeric, 0, 0
    from sample.filtered_conversations(options) c
    cross join unnest(c.tags) as t(tag)
    where options ->> 'kind' = 'tag_by_month'
    group by 2, t.tag
  ) r
  order by r.period nulls first, r.ord, r.category, r.mord;
end;
comment on function sample.conversation_analytics is
  'Export source rows: one aggregate figure of the caller''s conversations a row (kind, period, category, measure, value).';

revoke execute on function sample.conversation_analytics(jsonb) from public, anon;
grant execute on function sample.conversation_analytics(jsonb) to authenticated;

-- ============================================================================
-- registration
-- ============================================================================

select exports.register_source(
  name => 'analytics',
  description => 'Figures about your conversations: activity, quality, tags, lengths and busy hours; the option kind picks which.',
  rows_function => 'sample.conversation_analytics(jsonb)',
  formats => array['csv', 'json', 'jsonl', 'markdown', 'html', 'xlsx', 'pdf', 'txt', 'parquet'],
  option_types => '{"kind": "text", "from": "date", "to": "date", "min_quality": "number", "tag": "text"}'
);
select exports.set_option_choices('analytics', 'kind',
  array['daily_activity', 'quality_over_time', 'tag_stats', 'conversation_length', 'response_length_by_role',
    'busiest_hours', 'tag_by_month'],
  array['Conversations started and messages sent each day, in all and by role.',
    'Mean quality score of the conversations started each week.',
    'Conversations per tag, and their mean quality score.',
    'How many conversations have how many messages.',
    'Message length in characters by role: mean, median, 90th percentile, longest.',
    'Messages by hour of the week, busiest first.',
    'Conversations per tag and month.']);
