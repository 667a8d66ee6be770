// Seeds the synthetic data set into the bench stack with bench/seed/*.sql:
// set-based SQL (generate_series, insert ... select), run by psql.
import type postgres from "postgres";
import type { BenchConfig } from "./config.ts";
import { runSqlFile } from "./psql.ts";
import { timeSeconds } from "./timing.ts";

const seedFile = (name: string) => new URL(`./seed/${name}`, import.meta.url).pathname;

/** What was seeded, as the figures need to know it. */
export interface Dataset {
  /** Seconds the whole seed took. */
  seconds: number;
  /** Line items in the XLSX household: the XLSX row cap, or --cap-rows. */
  xlsxRows: number;
  /** Line items in the PDF household: the PDF row cap, or --cap-rows. */
  pdfRows: number;
}

/** One XLSX sheet's rows below its header: the XLSX household's size where no row limit caps it. */
const sheetRows = 1_048_575;

/**
 * The row caps of the budget source's XLSX and PDF formats, as the SQL core computes them; XLSX,
 * which goes on in a next sheet, one sheet's rows where the source sets no limit.
 */
async function budgetCaps(sql: postgres.Sql): Promise<{ xlsx: number; pdf: number }> {
  const [caps] = await sql<{ xlsx: string | null; pdf: string | null }[]>`
    select exports._row_limit(s, 'xlsx') as xlsx, exports._row_limit(s, 'pdf') as pdf
    from exports.sources s where s.name = 'budget'`;
  if (!caps?.pdf) throw new Error("the budget source has no PDF row cap");
  return { xlsx: Number(caps.xlsx ?? sheetRows), pdf: Number(caps.pdf) };
}

/** Seeds users, conversations, budgets, the exports history and, for their figures, trace spans. */
export async function seedDataset(
  sql: postgres.Sql,
  dbUrl: string,
  config: BenchConfig,
): Promise<Dataset> {
  const caps = await budgetCaps(sql);
  const xlsxRows = Math.min(config.capRows ?? caps.xlsx, caps.xlsx);
  const pdfRows = Math.min(config.capRows ?? caps.pdf, caps.pdf);
  const seconds = await timeSeconds(async () => {
    await runSqlFile(dbUrl, seedFile("helpers.sql"), {});
    await runSqlFile(dbUrl, seedFile("users.sql"), {
      other_users: Math.max(config.otherUsers, config.exportUsers),
    });
    await runSqlFile(dbUrl, seedFile("messages.sql"), {
      large_messages: config.messages,
      large_conversations: config.conversations,
      small_messages: config.smallMessages,
      small_conversations: Math.max(1, Math.round(config.smallMessages / 10)),
      other_users: config.otherUsers,
      other_user_messages: config.otherUserMessages,
    });
    await runSqlFile(dbUrl, seedFile("budget.sql"), {
      xlsx_rows: xlsxRows,
      pdf_rows: pdfRows,
      other_users: config.otherUsers,
      other_user_rows: config.otherUserMessages,
    });
    await runSqlFile(dbUrl, seedFile("exports.sql"), {
      export_rows: config.exportRows,
      export_users: config.exportUsers,
    });
    if (config.only.includes("traces")) {
      await runSqlFile(dbUrl, seedFile("traces.sql"), {
        trace_spans: config.traceSpans,
        large_conversations: config.conversations,
      });
    }
  });
  return { seconds, xlsxRows, pdfRows };
}
