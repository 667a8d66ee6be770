// The report a source's report function returns (exports.source_reports), as
// the XLSX and PDF writers lay it out: every figure is computed in Postgres as
// the user; the layout says what each one sums, so that a spreadsheet can
// write it as a formula over the lines. ARCHITECTURE.md ("Reports") documents
// the fields.

/** Lines that count towards a figure: each named column equals its text. */
export type LineFilter = Record<string, string>;

/** One summary figure: a sum (or count) of the lines, and its value. */
export interface ReportFigure {
  label: string;
  value: number;
  /** The column it sums; absent with `count`. */
  sum?: string;
  /** It counts the lines instead. */
  count?: boolean;
  where?: LineFilter;
  /** Shown as the negated sum (expenses stored as negative amounts, shown spent). */
  negate?: boolean;
}

/** A column of a group's table, after its key. */
export interface GroupColumn {
  label: string;
  /** A text column of the lines, the same for every line of the key (a category's kind). */
  text?: string;
  /** Sums this column of the key's lines. */
  sum?: string;
  where?: LineFilter;
  negate?: boolean;
  /** The share of this row's position in the total of the rows with the same value at `within`. */
  share_of?: number;
  within?: number;
}

/** Totals grouped by a column of the lines (by its month, for a date). */
export interface ReportGroup {
  name: string;
  title: string;
  key: { column: string; label: string; by?: "month" };
  columns: GroupColumn[];
  /** Each row: its key at position 0, then one value a column. */
  rows: (string | number | null)[][];
}

/** A chart of a group: clustered bars by key, or a horizontal breakdown of one column. */
export interface ReportChart {
  type: "bars" | "breakdown";
  title: string;
  group: string;
  /** bars: the row positions drawn, one series each. */
  columns?: number[];
  /** breakdown: the row position drawn. */
  column?: number;
  /** breakdown: only the rows whose position `column` equals `equals`. */
  where?: { column: number; equals: string };
}

/** A report layout and its figures. */
export interface Report {
  title: string;
  scope?: string | null;
  period?: { from?: string | null; to?: string | null } | null;
  filters?: { label: string; value: string }[];
  /** ISO 4217 code of the amounts of columns marked `currency`. */
  currency?: string | null;
  /** Presentation of the lines' columns, by name. */
  columns?: Record<string, { label?: string; currency?: boolean }>;
  figures: ReportFigure[];
  groups: ReportGroup[];
  charts: ReportChart[];
}

/** A report function returned something the writers cannot lay out. */
export class InvalidReport extends Error {
  constructor(problem: string) {
    super(`the source's report function returned an unusable report: ${problem}`);
    this.name = "InvalidReport";
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `value` (a report function's jsonb, parsed) as a {@link Report}, or {@link InvalidReport}. */
export function parseReport(value: unknown): Report {
  if (!isObject(value)) throw new InvalidReport("not a JSON object");
  const report = value as unknown as Report;
  if (typeof report.title !== "string") throw new InvalidReport("no title");
  for (const key of ["figures", "groups", "charts"] as const) {
    report[key] ??= [];
    if (!Array.isArray(report[key])) throw new InvalidReport(`${key} is not an array`);
  }
  for (const figure of report.figures) {
    if (typeof figure.label !== "string" || typeof figure.value !== "number") {
      throw new InvalidReport("a figure needs a label and a numeric value");
    }
  }
  const groups = new Map<string, ReportGroup>();
  for (const group of report.groups) {
    if (
      typeof group.name !== "string" || !isObject(group.key) || !Array.isArray(group.columns) ||
      !Array.isArray(group.rows) || group.rows.some((row) => !Array.isArray(row))
    ) {
      throw new InvalidReport("a group needs a name, a key, columns and rows");
    }
    groups.set(group.name, group);
  }
  for (const chart of report.charts) {
    const group = groups.get(chart.group);
    if (!group) throw new InvalidReport(`chart "${chart.title}" names no group`);
    const positions = chart.type === "bars" ? chart.columns ?? [] : [chart.column ?? -1];
    if (positions.length === 0 || positions.some((p) => !(p >= 1 && p <= group.columns.length))) {
      throw new InvalidReport(`chart "${chart.title}" draws no column of its group`);
    }
  }
  return report;
}

/** The group a chart draws. */
export function chartGroup(report: Report, chart: ReportChart): ReportGroup {
  return report.groups.find((group) => group.name === chart.group)!;
}

/** A column's heading in the detail table: its label, else its name. */
export function columnLabel(report: Report, column: string): string {
  return report.columns?.[column]?.label ?? column;
}

/** Whether a column of the lines holds amounts of the report's currency. */
export function isCurrencyColumn(report: Report, column: string | undefined): boolean {
  return column !== undefined && report.columns?.[column]?.currency === true;
}

/** How a figure or a group's column is shown. */
export type ValueKind = "currency" | "number" | "count" | "percent" | "text";

export function figureKind(report: Report, figure: ReportFigure): ValueKind {
  if (figure.count) return "count";
  return isCurrencyColumn(report, figure.sum) ? "currency" : "number";
}

export function groupColumnKind(report: Report, column: GroupColumn): ValueKind {
  if (column.share_of !== undefined) return "percent";
  if (column.text !== undefined) return "text";
  return isCurrencyColumn(report, column.sum) ? "currency" : "number";
}

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `2025-01-02` (or a timestamp's text) as `2 Jan 2025`; other text as it is. */
export function readableDate(text: string): string {
  const parts = /^(\d{4})-(\d\d)-(\d\d)/.exec(text);
  if (!parts || text.length > 10) return text;
  return `${Number(parts[3])} ${months[Number(parts[2]) - 1]} ${parts[1]}`;
}

/** A month key (`2025-01-01`) as `Jan 2025`. */
export function readableMonth(text: string): string {
  const parts = /^(\d{4})-(\d\d)/.exec(text);
  return parts ? `${months[Number(parts[2]) - 1]} ${parts[1]}` : text;
}

/** The scope, the period and the filters, as one line under the title. */
export function reportSubtitle(report: Report): string {
  const parts: string[] = [];
  if (report.scope) parts.push(report.scope);
  const { from, to } = report.period ?? {};
  if (from || to) {
    parts.push(`${from ? readableDate(from) : "the start"} – ${to ? readableDate(to) : "today"}`);
  }
  for (const filter of report.filters ?? []) parts.push(`${filter.label}: ${filter.value}`);
  return parts.join("  ·  ");
}
