// The budget source's report, exported through the exports API as a member of
// a household: the figures its PDF prints and its XLSX summary computes are
// checked against sums taken independently in SQL over the household's tables.
// The XLSX's formulas are evaluated here, over its own Lines sheet, with
// SUMIFS's semantics, so a formula that sums the wrong lines fails even where
// its cached value is right; and again with a line edited, as a spreadsheet
// user would.
import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { extractText, getDocumentProxy } from "unpdf";
import { withDb } from "../support/db.ts";
import { createTestUser, type TestUser } from "../support/users.ts";
import { exportedBytes } from "./_exports_helpers.ts";

interface Line {
  on: string;
  category: string;
  kind: "income" | "expense";
  description: string;
  amount: string;
}

const lines: Line[] = [
  {
    on: "2026-01-01",
    category: "Salary",
    kind: "income",
    description: "January pay",
    amount: "2500.00",
  },
  {
    on: "2026-01-03",
    category: "Groceries",
    kind: "expense",
    description: "milk",
    amount: "-3.49",
  },
  {
    on: "2026-01-15",
    category: "Rent",
    kind: "expense",
    description: "January rent",
    amount: "-950.00",
  },
  {
    on: "2026-01-31",
    category: "Groceries",
    kind: "expense",
    description: "bread",
    amount: "-2.10",
  },
  {
    on: "2026-02-01",
    category: "Salary",
    kind: "income",
    description: "February pay",
    amount: "2600.00",
  },
  {
    on: "2026-02-14",
    category: "Café ☕",
    kind: "expense",
    description: "flat white",
    amount: "-4.20",
  },
  {
    on: "2026-02-15",
    category: "Rent",
    kind: "expense",
    description: "February rent",
    amount: "-950.00",
  },
  {
    on: "2026-03-02",
    category: "Groceries",
    kind: "expense",
    description: "apples",
    amount: "-12.35",
  },
];

/** A member of a household with the lines above, beside a stranger's household; and its id. */
async function household(): Promise<[TestUser, string]> {
  const member = await createTestUser();
  const stranger = await createTestUser();
  const seed = async (owner: TestUser, rows: Line[]) =>
    await withDb(async (sql) => {
      const [{ id }] = await sql`
        insert into sample.households (name, created_by) values ('The Test Flat', ${owner.id})
        returning id`;
      for (const line of rows) {
        const [category] = await sql`
          insert into sample.budget_categories (household_id, name, kind)
          values (${id}, ${line.category}, ${line.kind})
          on conflict (household_id, name) do update set kind = excluded.kind
          returning id`;
        await sql`
          insert into sample.budget_line_items
            (household_id, category_id, description, amount, occurred_on, created_by)
          values (${id}, ${category.id}, ${line.description}, ${line.amount}, ${line.on}, ${owner.id})`;
      }
      return id as string;
    });
  const id = await seed(member, lines);
  await seed(stranger, [{ ...lines[0], amount: "99999.00", description: "a stranger's pay" }]);
  return [member, id];
}

interface Truth {
  income: number;
  expenses: number;
  net: number;
  count: number;
  categories: { category: string; kind: string; total: number }[];
  months: { month: string; income: number; expenses: number; net: number }[];
}

/** The report's figures, summed in SQL over the household's tables, not through any source. */
async function truth(householdId: string): Promise<Truth> {
  return await withDb(async (sql) => {
    const [totals] = await sql`
      select coalesce(sum(i.amount) filter (where c.kind = 'income'), 0)::float8 as income,
             coalesce(-sum(i.amount) filter (where c.kind = 'expense'), 0)::float8 as expenses,
             coalesce(sum(i.amount), 0)::float8 as net, count(*)::int as count
      from sample.budget_line_items i join sample.budget_categories c on c.id = i.category_id
      where i.household_id = ${householdId}`;
    const categories = await sql`
      select c.name as category, c.kind, sum(i.amount)::float8 as total
      from sample.budget_line_items i join sample.budget_categories c on c.id = i.category_id
      where i.household_id = ${householdId} group by c.name, c.kind order by c.name`;
    const months = await sql`
      select to_char(i.occurred_on, 'YYYY-MM') as month,
             coalesce(sum(i.amount) filter (where c.kind = 'income'), 0)::float8 as income,
             coalesce(-sum(i.amount) filter (where c.kind = 'expense'), 0)::float8 as expenses,
             sum(i.amount)::float8 as net
      from sample.budget_line_items i join sample.budget_categories c on c.id = i.category_id
      where i.household_id = ${householdId} group by 1 order by 1`;
    return { ...totals, categories, months } as unknown as Truth;
  });
}

const euros = (value: number) =>
  new Intl.NumberFormat("en", {
    style: "currency",
    currency: "EUR",
    currencyDisplay: "narrowSymbol",
  })
    .format(value);

Deno.test("a budget report PDF prints the period's totals, by category and by month, as SQL sums them", async () => {
  const [member, householdId] = await household();
  const expected = await truth(householdId);
  const bytes = await exportedBytes(member, {
    source: "budget",
    format: "pdf",
    scope: householdId,
  });
  const document = await getDocumentProxy(bytes);
  // Runs of spaces and line breaks read as one space: where a reader breaks
  // the lines of a table is its own affair.
  const text = (await extractText(document, { mergePages: true })).text.replace(/\s+/g, " ");
  const shows = (what: string, value: string) =>
    assert.ok(
      text.includes(value.replace(/\s+/g, " ")),
      `the PDF shows ${what} as ${value}: ${text.slice(0, 2000)}`,
    );
  shows("the title", "Budget report");
  shows("the household and period", "The Test Flat  ·  1 Jan 2026 – 2 Mar 2026");
  shows("the income", `Income ${euros(expected.income)}`);
  shows("the expenses", `Expenses ${euros(expected.expenses)}`);
  shows("the net", `Net ${euros(expected.net)}`);
  shows("the count of lines", `Lines ${expected.count}`);
  for (const { category, kind, total } of expected.categories) {
    shows(`${category}'s total`, `${category} ${kind} ${euros(total)}`);
  }
  for (const month of expected.months) {
    const [year, number] = month.month.split("-");
    const name = new Date(Date.UTC(Number(year), Number(number) - 1)).toLocaleString("en", {
      month: "short",
      timeZone: "UTC",
    });
    shows(
      `${month.month}'s totals`,
      `${name} ${year} ${euros(month.income)} ${euros(month.expenses)} ${euros(month.net)}`,
    );
  }
  // The detail lines follow, dates as dates and amounts with their currency.
  shows("a line", `15 Jan 2026 Rent expense January rent ${euros(-950)}`);
  assert.ok(!text.includes("a stranger's pay"), "no line of another household");
  assert.ok(!text.includes(euros(99999)), "no figure counts another household's line");
});

/** Values of the Lines sheet by its header, as a spreadsheet holds them. */
type LineRow = Record<string, unknown>;

/** Splits a formula's arguments at its top-level commas. */
function args(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === "(") depth++;
    else if (!quoted && char === ")") depth--;
    else if (!quoted && depth === 0 && char === ",") {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * Evaluates the formulas a report's summary writes: SUM, SUMIFS and COUNTA
 * over the LineItems table, with criteria that are a text, a cell, or a
 * comparison with a cell (EDATE for a month's end); and IFERROR(x/SUMIFS) over
 * a range of the summary itself. Anything else fails the test.
 */
function evaluate(formula: string, sheet: ExcelJS.Worksheet, lines: LineRow[]): number {
  const cell = (ref: string): unknown => {
    const value = sheet.getCell(ref.replaceAll("$", "")).value as unknown;
    if (value && typeof value === "object" && "formula" in value) {
      return evaluate((value as { formula: string }).formula, sheet, lines);
    }
    return value;
  };
  const column = (ref: string) => {
    const match = /^LineItems\[(.+)\]$/.exec(ref);
    assert.ok(match, `a table column: ${ref}`);
    return lines.map((line) => line[match[1]]);
  };
  const criterion = (text: string): (value: unknown) => boolean => {
    let match = /^"([^"]*)"$/.exec(text);
    if (match) return (value) => value === match![1];
    match = /^"(>=|<)"&(EDATE\()?(\$?[A-Z]+\$?\d+)(,1\))?$/.exec(text);
    if (match) {
      const date = cell(match[3]) as Date;
      const bound = match[2]
        ? new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()))
        : date;
      return match[1] === ">="
        ? (value) => (value as Date) >= bound
        : (value) => (value as Date) < bound;
    }
    match = /^(\$?[A-Z]+\$?\d+)$/.exec(text);
    assert.ok(match, `a criterion this test knows: ${text}`);
    const wanted = cell(match[1]);
    return (value) => value === wanted;
  };
  let match = /^(-?)SUMIFS\((.*)\)$/.exec(formula);
  if (match) {
    const [sum, ...pairs] = args(match[2]);
    const values = column(sum);
    const tests: [unknown[], (value: unknown) => boolean][] = [];
    for (let i = 0; i < pairs.length; i += 2) {
      tests.push([column(pairs[i]), criterion(pairs[i + 1])]);
    }
    const total = values.reduce<number>(
      (acc, value, row) =>
        tests.every(([range, test]) => test(range[row])) ? acc + (value as number) : acc,
      0,
    );
    return Math.round((match[1] ? -total : total) * 100) / 100;
  }
  match = /^SUM\((LineItems\[.+\])\)$/.exec(formula);
  if (match) {
    return Math.round(
      column(match[1]).reduce<number>((acc, value) => acc + (value as number), 0) * 100,
    ) / 100;
  }
  match = /^COUNTA\((LineItems\[.+\])\)$/.exec(formula);
  if (match) {
    return column(match[1]).filter((value) => value !== null && value !== undefined).length;
  }
  match =
    /^IFERROR\(([A-Z]+\d+)\/SUMIFS\(([A-Z])\$(\d+):[A-Z]\$(\d+),([A-Z])\$\d+:[A-Z]\$\d+,([A-Z]+\d+)\),0\)$/
      .exec(formula);
  if (match) {
    const [, part, sumColumn, from, to, withinColumn, within] = match;
    const key = cell(within);
    let total = 0;
    for (let row = Number(from); row <= Number(to); row++) {
      if (cell(`${withinColumn}${row}`) === key) total += cell(`${sumColumn}${row}`) as number;
    }
    return total === 0 ? 0 : (cell(part) as number) / total;
  }
  throw new Error(`a formula this test does not evaluate: ${formula}`);
}

Deno.test("a budget report XLSX sums its Lines table in formulas that agree with SQL", async () => {
  const [member, householdId] = await household();
  const expected = await truth(householdId);
  const bytes = await exportedBytes(member, {
    source: "budget",
    format: "xlsx",
    scope: householdId,
  });
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes.buffer as ArrayBuffer);
  assert.deepEqual(workbook.worksheets.map((sheet) => sheet.name), ["Summary", "Lines"]);

  // The lines: an Excel table with filters, dates as dates, amounts as numbers in euros.
  const linesSheet = workbook.getWorksheet("Lines")!;
  const tables = (linesSheet as unknown as { tables: Record<string, unknown> }).tables;
  assert.deepEqual(Object.keys(tables), ["LineItems"], "the lines are the table LineItems");
  const tablePart = await (await JSZip.loadAsync(bytes)).file("xl/tables/table1.xml")!.async(
    "text",
  );
  const range = `A1:E${lines.length + 1}`;
  assert.ok(tablePart.includes(`ref="${range}"`), `the table spans every line: ${tablePart}`);
  assert.ok(tablePart.includes(`<autoFilter ref="${range}"/>`), "with filters on every column");
  const header = (linesSheet.getRow(1).values as unknown[]).slice(1);
  assert.deepEqual(header, ["Date", "Category", "Kind", "Description", "Amount"]);
  const rows: LineRow[] = [];
  linesSheet.eachRow((row, number) => {
    if (number === 1) return;
    const values = (row.values as unknown[]).slice(1);
    rows.push(Object.fromEntries(header.map((name, i) => [name as string, values[i]])));
  });
  assert.equal(rows.length, lines.length);
  for (const [index, line] of lines.entries()) {
    assert.ok(rows[index].Date instanceof Date, "a date is a date cell");
    assert.equal((rows[index].Date as Date).toISOString().slice(0, 10), line.on);
    assert.equal(rows[index].Amount, Number(line.amount), "an amount is a number");
  }
  assert.match(linesSheet.getCell("E2").numFmt, /€/, "amounts are shown in euros");

  // The summary: each figure a formula over the table, its cached value SQL's.
  const summary = workbook.getWorksheet("Summary")!;
  const labelled = new Map<string, { formula: string; result: unknown; row: number }>();
  // A row's first formula, by the row's label: a figure's value, a category's total.
  summary.eachRow((row, number) => {
    for (const column of [2, 3]) {
      const value = row.getCell(column).value as { formula?: string; result?: unknown } | null;
      if (value?.formula) {
        const label = String(row.getCell(1).value);
        labelled.set(label, { formula: value.formula, result: value.result, row: number });
        break;
      }
    }
  });
  const figures: [string, number, string][] = [
    ["Income", expected.income, 'SUMIFS(LineItems[Amount],LineItems[Kind],"income")'],
    ["Expenses", expected.expenses, '-SUMIFS(LineItems[Amount],LineItems[Kind],"expense")'],
    ["Net", expected.net, "SUM(LineItems[Amount])"],
    ["Lines", expected.count, "COUNTA(LineItems[Date])"],
  ];
  for (const [label, value, formula] of figures) {
    const cell = labelled.get(label);
    assert.ok(cell, `the summary has ${label}`);
    assert.equal(cell.formula, formula, `${label} is a formula over the lines`);
    assert.equal(cell.result, value, `${label}'s cached value is SQL's`);
    assert.equal(
      evaluate(cell.formula, summary, rows),
      value,
      `${label}'s formula computes SQL's value`,
    );
  }
  for (const { category, total } of expected.categories) {
    const cell = labelled.get(category);
    assert.ok(cell, `the summary has a row for ${category}`);
    assert.equal(cell.result, total);
    assert.equal(
      evaluate(cell.formula, summary, rows),
      total,
      `${category}'s formula sums its lines`,
    );
  }
  // Month rows: the key is a date (the month's first day), shown as a month.
  let monthRows = 0;
  summary.eachRow((row) => {
    const key = row.getCell(1).value;
    if (!(key instanceof Date)) return;
    const month = expected.months.find((m) => m.month === key.toISOString().slice(0, 7));
    assert.ok(month, `a month of the lines: ${key.toISOString()}`);
    assert.equal(row.getCell(1).numFmt, "mmm yyyy");
    const values = [2, 3, 4].map((c) =>
      row.getCell(c).value as { formula: string; result: number }
    );
    // exceljs reads a cached 0 as no result.
    assert.deepEqual(values.map((v) => v.result ?? 0), [month.income, month.expenses, month.net]);
    assert.deepEqual(values.map((v) => evaluate(v.formula, summary, rows)), [
      month.income,
      month.expenses,
      month.net,
    ]);
    monthRows++;
  });
  assert.equal(monthRows, expected.months.length);

  // Edit a line as a spreadsheet user would: the totals follow it.
  const edited = rows.map((row) =>
    row.Description === "apples" ? { ...row, Amount: -112.35 } : row
  );
  assert.equal(
    evaluate(labelled.get("Expenses")!.formula, summary, edited),
    expected.expenses + 100,
  );
  assert.equal(evaluate(labelled.get("Net")!.formula, summary, edited), expected.net - 100);
  assert.equal(evaluate(labelled.get("Groceries")!.formula, summary, edited), -117.94);
});
