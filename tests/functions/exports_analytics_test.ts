// The analytics source: every kind in every format it offers, through the
// exports API, each file read back with a reader of its own and compared with
// the same figures computed here in SQL, written apart from the source's; and
// the kind option refused, naming the valid kinds, before anything is queued.
import assert from "node:assert/strict";
import { createTestUser, type TestUser } from "../support/users.ts";
import { withDb } from "../support/db.ts";
import { callExports, exportedBytes } from "./_exports_helpers.ts";
import {
  csvRows,
  htmlRows,
  jsonlDocuments,
  markdownRows,
  parquetFile,
  pdfText,
  text,
  txtRows,
  xlsxRows,
} from "./_file_readers.ts";

const kinds = [
  "daily_activity",
  "quality_over_time",
  "tag_stats",
  "conversation_length",
  "response_length_by_role",
  "busiest_hours",
  "tag_by_month",
];
const formats = ["csv", "json", "jsonl", "markdown", "html", "xlsx", "pdf", "txt", "parquet"];

/**
 * Conversations of 1 to 23 messages over two months, tags and quality scores
 * (some unrated) that vary, roles in turn after an optional system message.
 */
async function seedVariedConversations(user: TestUser, count: number, salt: number) {
  await withDb(async (sql) => {
    await sql`
      with created as (
        insert into sample.conversations (user_id, title, quality_score, tags, created_at)
        select ${user.id}, 'analytics ' || i,
          case when i % 7 = 0 then null else ((i * 13 + ${salt}) % 100) / 100.0 end,
          case i % 5 when 0 then array['alpha'] when 1 then array['alpha', 'beta'] when 2 then array['beta']
            when 3 then array[]::text[] else array['gamma', 'alpha'] end,
          timestamptz '2026-03-01 00:00:00+00' + make_interval(hours => i * 31 + ${salt})
        from generate_series(1, ${count}) as i
        returning id, created_at, substring(title from 11)::int as i)
      insert into sample.messages (conversation_id, user_id, position, role, content, created_at)
      select c.id, ${user.id}, p,
        case when p = 1 and c.i % 3 = 0 then 'system' when p % 2 = 1 then 'user' else 'assistant' end,
        repeat('word ', (c.i * 7 + p * 5) % 40 + 1),
        c.created_at + make_interval(mins => p * 37)
      from created c
      cross join lateral generate_series(1, 1 + (c.i * 5) % 23) as p`;
  });
}

/** The figures each kind should hold, as `period|category|measure|value`, computed apart. */
async function expectedFigures(user: TestUser, kind: string): Promise<string[]> {
  const rows = await withDb((sql) => {
    const u = user.id;
    switch (kind) {
      case "daily_activity":
        return sql`
          select to_char(c.created_at at time zone 'utc', 'YYYY-MM-DD') as period, 'all' as category,
            'conversations' as measure, count(*)::text as value
          from sample.conversations c where c.user_id = ${u} group by 1
          union all
          select to_char(m.created_at at time zone 'utc', 'YYYY-MM-DD'), r.role, 'messages', count(*)::text
          from sample.messages m
          cross join lateral (values ('all'), (m.role)) as r(role)
          where m.user_id = ${u} group by 1, 2`;
      case "quality_over_time":
        return sql`
          with w as (
            select (c.created_at at time zone 'utc')::date
                - (extract(isodow from c.created_at at time zone 'utc')::int - 1) as week, c.quality_score
            from sample.conversations c where c.user_id = ${u})
          select to_char(week, 'YYYY-MM-DD') as period, 'all' as category, x.measure, x.value
          from (select week, count(*) as n, count(quality_score) as rated,
                  round(sum(quality_score) / nullif(count(quality_score), 0), 4) as mean
                from w group by week) g
          cross join lateral (values ('conversations', g.n::text), ('rated_conversations', g.rated::text),
            ('mean_quality', g.mean::text)) as x(measure, value)`;
      case "tag_stats":
        return sql`
          select '' as period, t.tag as category, x.measure, x.value
          from (select distinct unnest(tags) as tag from sample.conversations where user_id = ${u}) t
          cross join lateral (
            select count(*)::text as n,
              round(sum(c.quality_score) / nullif(count(c.quality_score), 0), 4)::text as mean
            from sample.conversations c where c.user_id = ${u} and t.tag = any (c.tags)) s
          cross join lateral (values ('conversations', s.n), ('mean_quality', s.mean)) as x(measure, value)`;
      case "conversation_length":
        return sql`
          select '' as period, b.bucket as category, 'conversations' as measure, count(*)::text as value
          from (
            select case when n <= 2 then n::text when n <= 5 then '3-5' when n <= 10 then '6-10'
                     when n <= 20 then '11-20' else '21+' end as bucket
            from (select c.id, count(m.id) as n from sample.conversations c
                  left join sample.messages m on m.conversation_id = c.id
                  where c.user_id = ${u} group by c.id) per) b
          group by b.bucket`;
      case "response_length_by_role":
        return sql`
          select '' as period, role as category, x.measure, x.value
          from (select role, count(*) as n, round(avg(char_length(content)), 2) as mean,
                  percentile_cont(0.5) within group (order by char_length(content)) as median,
                  percentile_cont(0.9) within group (order by char_length(content)) as p90,
                  max(char_length(content)) as longest
                from sample.messages where user_id = ${u} group by role) s
          cross join lateral (values ('messages', s.n::text), ('mean_chars', s.mean::text),
            ('median_chars', s.median::text), ('p90_chars', s.p90::text), ('max_chars', s.longest::text))
            as x(measure, value)`;
      case "busiest_hours":
        return sql`
          select '' as period,
            (array['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])[extract(isodow from created_at at time zone 'utc')]
              || ' ' || lpad(extract(hour from created_at at time zone 'utc')::text, 2, '0') || ':00' as category,
            'messages' as measure, count(*)::text as value
          from sample.messages where user_id = ${u} group by 2`;
      default:
        return sql`
          select to_char(date_trunc('month', c.created_at at time zone 'utc'), 'YYYY-MM-DD') as period,
            t.tag as category, 'conversations' as measure, count(*)::text as value
          from sample.conversations c, unnest(c.tags) as t(tag)
          where c.user_id = ${u} group by 1, 2`;
    }
  });
  return rows.map((r) => figure(r.period, r.category, r.measure, r.value)).sort();
}

/** One figure as a comparable string: a number's value, not its spelling. */
function figure(period: unknown, category: unknown, measure: unknown, value: unknown): string {
  const day = period instanceof Date ? period.toISOString().slice(0, 10) : String(period ?? "");
  const number = value === null || value === undefined || value === "" ? "" : String(Number(value));
  return [day, category ?? "", measure, number].join("|");
}

/** The figures of an exported file, read with the format's own reader. */
async function exportedFigures(format: string, bytes: Uint8Array): Promise<string[]> {
  const fromCells = (rows: unknown[][]) =>
    rows.map(([, period, category, measure, value]) => figure(period, category, measure, value));
  switch (format) {
    case "csv":
      return fromCells(csvRows(bytes).slice(1)).sort();
    case "json":
      return (JSON.parse(text(bytes)) as Record<string, unknown>[])
        .map((d) => figure(d.period, d.category, d.measure, d.value)).sort();
    case "jsonl":
      return jsonlDocuments(bytes).map((d) => figure(d.period, d.category, d.measure, d.value))
        .sort();
    case "markdown":
      return fromCells(markdownRows(bytes)).sort();
    case "html":
      return fromCells(htmlRows(bytes)).sort();
    case "xlsx":
      return fromCells((await xlsxRows(bytes)).slice(1)).sort();
    case "txt":
      return fromCells(txtRows(bytes)).sort();
    case "parquet":
      return (await parquetFile(bytes)).rows
        .map((d) => figure(d.period, d.category, d.measure, d.value)).sort();
  }
  throw new Error(`no reader for ${format}`);
}

for (const kind of kinds) {
  Deno.test(`analytics ${kind} holds the same figures as SQL in every format`, async () => {
    const user = await createTestUser();
    await seedVariedConversations(user, 60, 0);
    // A stranger's conversations change every figure if they leak in.
    await seedVariedConversations(await createTestUser(), 25, 3);
    const expected = await expectedFigures(user, kind);
    assert.ok(expected.length > 0, `the seed gives ${kind} some figures`);
    // Four at a time: a user may have five exports queued or running.
    const files: Uint8Array[] = [];
    for (let at = 0; at < formats.length; at += 4) {
      files.push(
        ...await Promise.all(
          formats.slice(at, at + 4).map((format) =>
            exportedBytes(user, { source: "analytics", format, options: { kind } })
          ),
        ),
      );
    }
    for (const [index, format] of formats.entries()) {
      if (format === "pdf") {
        const shown = await pdfText(files[index]);
        for (const line of expected) {
          const [, category, measure] = line.split("|");
          assert.ok(shown.includes(measure), `the ${kind} PDF shows ${measure}`);
          if (category) assert.ok(shown.includes(category), `the ${kind} PDF shows ${category}`);
        }
        continue;
      }
      assert.deepEqual(
        await exportedFigures(format, files[index]),
        expected,
        `the ${format} file of ${kind} holds exactly the figures SQL computes`,
      );
    }
  });
}

Deno.test("analytics options filter the conversations the figures cover", async () => {
  const user = await createTestUser();
  await seedVariedConversations(user, 40, 0);
  const bytes = await exportedBytes(user, {
    source: "analytics",
    format: "csv",
    options: { kind: "tag_stats", tag: "beta" },
  });
  const [count] = await withDb((sql) =>
    sql`select count(*)::text as n from sample.conversations
        where user_id = ${user.id} and tags @> array['beta']`
  );
  const figures = csvRows(bytes).slice(1);
  assert.ok(
    figures.some(([, , category, measure, value]) =>
      category === "beta" && measure === "conversations" && value === count.n
    ),
    "tag_stats of the beta conversations counts them all",
  );
  assert.ok(
    figures.every(([, , , measure, value]) =>
      measure !== "conversations" || Number(value) <= Number(count.n)
    ),
    "and no tag counts a conversation without beta",
  );
});

Deno.test("an analytics request without a valid kind is refused, naming the kinds", async () => {
  const user = await createTestUser();
  for (const options of [{}, { kind: "weekly_everything" }, { kind: 3 }]) {
    const answer = await callExports(user, "", "POST", {
      source: "analytics",
      format: "csv",
      options,
    });
    assert.equal(answer.status, 400, `options ${JSON.stringify(options)} answer 400`);
    const error = answer.body.error as { code: string; message: string };
    assert.equal(error.code, "invalid_options");
    if (typeof options.kind !== "number") {
      for (const kind of kinds) {
        assert.ok(error.message.includes(kind), `the message names ${kind}: ${error.message}`);
      }
    }
  }
  const queued = await withDb((sql) =>
    sql`select count(*)::int as n from exports.exports where owner_id = ${user.id}`
  );
  assert.equal(queued[0].n, 0, "nothing was queued");
});
