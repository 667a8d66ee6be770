-- Sample domain: the budget source's report. Its XLSX and PDF files open with
-- the household's income, expenses and net for the period, totals and shares
-- by category, totals by month and two charts, then the line items.

-- ============================================================================
-- functions (security invoker: RLS decides what they see)
-- ============================================================================

-- Built on sample.budget_lines itself, so its figures add up the very rows
-- the file lists, under the same options and policies. Expense lines carry
-- negative amounts: expenses are shown as the positive sum spent, and the net
-- is the sum of every line.
create function sample.budget_report(options jsonb) returns jsonb
language sql
stable
security invoker
begin atomic
  with lines as (
    select l.occurred_on, l.category, l.kind, l.amount from sample.budget_lines(options) l
  ),
  categories as (
    select l.category, l.kind, sum(l.amount) as total,
      sum(l.amount) / nullif(sum(sum(l.amount)) over (partition by l.kind), 0) as share
    from lines l
    group by l.category, l.kind
  ),
  months as (
    select date_trunc('month', l.occurred_on)::date as month,
      coalesce(sum(l.amount) filter (where l.kind = 'income'), 0) as income,
      coalesce(-sum(l.amount) filter (where l.kind = 'expense'), 0) as expenses,
      sum(l.amount) as net
    from lines l
    group by 1
  )
  select jsonb_build_object(
    'title', 'Budget report',
    'scope', (select h.name from sample.households h where h.id = (options ->> 'scope_id')::uuid),
    'period', jsonb_build_object(
      'from', coalesce(options ->> 'from', (select min(l.occurred_on)::text from lines l)),
      'to', coalesce(options ->> 'to', (select max(l.occurred_on)::text from lines l))),
    'filters', case when options ? 'category'
      then jsonb_build_array(jsonb_build_object('label', 'Category', 'value', options ->> 'category'))
      else '[]'::jsonb end,
    'currency', 'EUR',
    'columns', jsonb_build_object(
      'occurred_on', jsonb_build_object('label', 'Date'),
      'category', jsonb_build_object('label', 'Category'),
      'kind', jsonb_build_object('label', 'Kind'),
      'description', jsonb_build_object('label', 'Description'),
      'amount', jsonb_build_object('label', 'Amount', 'currency', true)),
    'figures', (
      select jsonb_build_array(
        jsonb_build_object('label', 'Income', 'sum', 'amount', 'where', jsonb_build_object('kind', 'income'),
          'value', coalesce(sum(l.amount) filter (where l.kind = 'income'), 0)),
        jsonb_build_object('label', 'Expenses', 'sum', 'amount', 'where', jsonb_build_object('kind', 'expense'),
          'negate', true, 'value', coalesce(-sum(l.amount) filter (where l.kind = 'expense'), 0)),
        jsonb_build_object('label', 'Net', 'sum', 'amount', 'value', coalesce(sum(l.amount), 0)),
        jsonb_build_object('label', 'Lines', 'count', true, 'value', count(*)))
      from lines l),
    'groups', jsonb_build_array(
      jsonb_build_object(
        'name', 'categories',
        'title', 'Totals by category',
        'key', jsonb_build_object('column', 'category', 'label', 'Category'),
        'columns', jsonb_build_array(
          jsonb_build_object('label', 'Kind', 'text', 'kind'),
          jsonb_build_object('label', 'Total', 'sum', 'amount'),
          jsonb_build_object('label', 'Share of its kind', 'share_of', 2, 'within', 1)),
        'rows', coalesce((
          select jsonb_agg(jsonb_build_array(c.category, c.kind, c.total, coalesce(round(c.share, 4), 0))
            order by c.kind desc, abs(c.total) desc, c.category)
          from categories c), '[]'::jsonb)),
      jsonb_build_object(
        'name', 'months',
        'title', 'Totals by month',
        'key', jsonb_build_object('column', 'occurred_on', 'label', 'Month', 'by', 'month'),
        'columns', jsonb_build_array(
          jsonb_build_object('label', 'Income', 'sum', 'amount', 'where', jsonb_build_object('kind', 'income')),
          jsonb_build_object('label', 'Expenses', 'sum', 'amount', 'where', jsonb_build_object('kind', 'expense'),
            'negate', true),
          jsonb_build_object('label', 'Net', 'sum', 'amount')),
        'rows', coalesce((
          select jsonb_agg(jsonb_build_array(m.month, m.income, m.expenses, m.net) order by m.month)
          from months m), '[]'::jsonb))),
    'charts', jsonb_build_array(
      jsonb_build_object('type', 'bars', 'title', 'Income and expenses by month', 'group', 'months',
        'columns', jsonb_build_array(1, 2)),
      jsonb_build_object('type', 'breakdown', 'title', 'Expenses by category', 'group', 'categories',
        'column', 2, 'where', jsonb_build_object('column', 1, 'equals', 'expense')))
  );
end;
comment on function sample.budget_report is
  'Export report of the budget source: income, expenses and net, totals by category and by month, and its charts.';

revoke execute on function sample.budget_report(jsonb) from public, anon;
grant execute on function sample.budget_report(jsonb) to authenticated;

-- ============================================================================
-- registration
-- ============================================================================

select exports.register_report(source => 'budget', report_function => 'sample.budget_report(jsonb)');
