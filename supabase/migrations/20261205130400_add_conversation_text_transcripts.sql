-- Sample domain: the `conversations` source in plain text, one transcript a
-- conversation, as written (no markup to escape, unlike its Markdown).

-- ============================================================================
-- source functions (security invoker: RLS decides what they return)
-- ============================================================================

-- A title underlined, a line of facts, then each message under its role.
create function sample.conversation_text_transcripts(options jsonb) returns setof text
language sql
stable
security invoker
begin atomic
  select format(E'%s\n%s\n%s · quality %s · %s\n\n%s',
    c.title, repeat('=', char_length(c.title)),
    to_char(c.created_at at time zone 'utc', 'YYYY-MM-DD HH24:MI "UTC"'),
    coalesce(c.quality_score::text, 'unrated'), coalesce(nullif(array_to_string(c.tags, ', '), ''), 'no tags'),
    (select string_agg(format(E'%s:\n%s', m.role, m.content), E'\n\n' order by m.position)
     from sample.messages m where m.conversation_id = c.id))
  from sample.filtered_conversations(options) c
  order by c.created_at, c.id;
end;
comment on function sample.conversation_text_transcripts is 'Export source text: one plain-text transcript a conversation.';

revoke execute on function sample.conversation_text_transcripts(jsonb) from public, anon;
grant execute on function sample.conversation_text_transcripts(jsonb) to authenticated;

-- ============================================================================
-- registration
-- ============================================================================

select exports.register_source(
  name => 'conversations',
  description => 'Your chat conversations with their messages, for model training.',
  rows_function => 'sample.conversation_messages(jsonb)',
  documents_function => 'sample.conversation_documents(jsonb)',
  markdown_function => 'sample.conversation_transcripts(jsonb)',
  count_function => 'sample.count_conversation_messages(jsonb)',
  formats => array['jsonl', 'json', 'csv', 'markdown', 'html', 'txt'],
  option_types => '{"from": "date", "to": "date", "min_quality": "number", "tag": "text"}'
);
select exports.set_text_function('conversations', 'sample.conversation_text_transcripts(jsonb)');
