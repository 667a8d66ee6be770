// Writes cursor batches as plain text for people: aligned tables, one per
// batch with its own header, so a file streams in bounded memory. A cell keeps
// every character of its value: a line break starts another line of the cell,
// a long line wraps, and controls show as their Unicode pictures.
import { pgTypes, toCellText } from "./cell_value.ts";
import type { RowBatch } from "./xlsx_writer.ts";

/** The widest a column is laid out; a longer line of a cell wraps. */
export const txtMaxColumnWidth = 80;

const rightAligned = new Set<number>([
  pgTypes.int2,
  pgTypes.int4,
  pgTypes.int8,
  pgTypes.oid,
  pgTypes.float4,
  pgTypes.float8,
  pgTypes.numeric,
]);

// Marks in the gap after a cell, as psql's aligned format writes them: the
// cell goes on in the next line because its value has a line break there (+),
// or because its line was wrapped (.).
const continuedMark = "+";
const wrappedMark = ".";

// East Asian wide and fullwidth characters and emoji take two columns of a
// terminal; combining marks and zero-width characters none.
const wide =
  /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1F64F}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]/u;
const zeroWidth = /[\p{Mn}\p{Me}\u200B-\u200F\u2060\uFEFF]/u;

/** The columns a terminal gives one character. */
function charWidth(char: string): number {
  if (zeroWidth.test(char)) return 0;
  return wide.test(char) ? 2 : 1;
}

/** The columns a terminal gives `text` (one line, controls already pictured). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/**
 * A value's text as it shows in a cell: each C0 control but the line breaks,
 * and DEL, as its Unicode control picture (a tab as ␉, which would break the
 * alignment), C1 controls as U+FFFD.
 */
export function pictured(text: string): string {
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F-\u009F]/g, (char) => {
    const code = char.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? "\u2421" : "\uFFFD";
  });
}

/** A cell's lines, each at most `width` columns, with the mark that follows each. */
interface CellLines {
  lines: string[];
  marks: string[];
}

function wrap(text: string, width: number): CellLines {
  const lines: string[] = [];
  const marks: string[] = [];
  const logical = pictured(text).split(/\r\n|\r|\n/);
  logical.forEach((line, index) => {
    let current = "";
    let currentWidth = 0;
    for (const char of line) {
      const w = charWidth(char);
      if (currentWidth + w > width && current !== "") {
        lines.push(current);
        marks.push(wrappedMark);
        current = "";
        currentWidth = 0;
      }
      current += char;
      currentWidth += w;
    }
    lines.push(current);
    marks.push(index < logical.length - 1 ? continuedMark : " ");
  });
  return { lines, marks };
}

function pad(text: string, width: number, right: boolean): string {
  const fill = " ".repeat(Math.max(width - displayWidth(text), 0));
  return right ? fill + text : text + fill;
}

/** One batch's table: header, rule, rows; each line ends with a newline. */
export function txtTable(
  names: readonly string[],
  types: readonly (number | undefined)[],
  rows: readonly (readonly (string | null)[])[],
): string {
  const cells = rows.map((row) => row.map((value) => wrap(value ?? "", txtMaxColumnWidth)));
  const headers = names.map((name) => wrap(name, txtMaxColumnWidth));
  const widths = names.map((_, c) =>
    Math.max(
      ...headers[c].lines.map(displayWidth),
      ...cells.map((row) => Math.max(...row[c].lines.map(displayWidth))),
    )
  );
  const right = types.map((type) => type !== undefined && rightAligned.has(type));
  let out = "";
  const block = (row: CellLines[], alignRight: readonly boolean[]) => {
    const height = Math.max(...row.map((cell) => cell.lines.length));
    for (let line = 0; line < height; line++) {
      let text = "";
      row.forEach((cell, c) => {
        const value = cell.lines[line] ?? "";
        const mark = cell.marks[line] ?? " ";
        text += (c === 0 ? " " : "| ") + pad(value, widths[c], alignRight[c]) + mark;
      });
      // Not trimmed: a row of empty cells would read as the table's end.
      out += text + "\n";
    }
  };
  block(headers, names.map(() => false));
  out += widths.map((w) => "-".repeat(w + 2)).join("+") + "\n";
  for (const row of cells) block(row, right);
  return out;
}

/** Options of {@link txtFile}. */
export interface TxtOptions {
  /** The first line of the file. */
  title: string;
}

/**
 * A plain-text file of `batches`: the title, then each batch as an aligned
 * table, then the count of rows.
 */
export function txtFile(
  batches: AsyncIterable<RowBatch>,
  options: TxtOptions,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = batches[Symbol.asyncIterator]();
  let rows = 0;
  let columns: RowBatch["columns"];
  let first = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`${options.title}\n\n`));
    },
    // A batch of no rows (the one that names the columns of an empty
    // result) writes nothing: read on, as a pull that enqueues nothing is not
    // called again.
    async pull(controller) {
      for (;;) {
        const next = await iterator.next();
        if (next.done) {
          if (rows === 0 && columns?.length) {
            controller.enqueue(
              encoder.encode(txtTable(columns.map((c) => c.name), columns.map((c) => c.type), [])),
            );
          }
          controller.enqueue(
            encoder.encode(`${first ? "" : "\n"}(${rows} ${rows === 1 ? "row" : "rows"})\n`),
          );
          controller.close();
          return;
        }
        const batch = next.value;
        columns = batch.columns ?? columns;
        if (batch.length === 0) continue;
        const names = columns?.map((c) => c.name) ?? Object.keys(batch[0]);
        const types = names.map((name) => columns?.find((c) => c.name === name)?.type);
        const texts = batch.map((row) =>
          names.map((name, c) => {
            const value = row[name];
            return value === null || value === undefined ? null : toCellText(value, types[c]);
          })
        );
        controller.enqueue(encoder.encode((first ? "" : "\n") + txtTable(names, types, texts)));
        first = false;
        rows += batch.length;
        return;
      }
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}
