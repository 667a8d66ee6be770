// Writes a report as an XLSX workbook: a Summary sheet whose figures and
// grouped totals are formulas over the lines (SUMIFS on the lines' table, so
// they follow any edit of a line; each carries the value Postgres computed, so
// readers that do not calculate show it too), then a Lines sheet streamed as
// xlsx_writer.ts writes one, made an Excel table with filters.
//
// Charts: a chart in a sheet is a DrawingML part that only a spreadsheet
// application renders, and no writer here can draw it as an image. The chart's
// columns carry data bars instead (conditional formatting): bars in the cells
// themselves that every spreadsheet draws and that follow the formulas.
import { pgTypes } from "./cell_value.ts";
import {
  chartGroup,
  columnLabel,
  figureKind,
  groupColumnKind,
  isCurrencyColumn,
  type LineFilter,
  type Report,
  type ReportGroup,
  reportSubtitle,
  type ValueKind,
} from "./report_layout.ts";
import {
  cellXml,
  columnLetters,
  documentRelationships,
  escapeXml,
  relationships,
  type RowBatch,
  sheetDate,
  spreadsheetMl,
  textCell,
  typedValue,
  xmlDeclaration,
} from "./xlsx_writer.ts";
import { zipArchive, type ZipEntry } from "./zip_writer.ts";

/** The Excel table that holds the lines, which the summary's formulas name. */
export const linesTable = "LineItems";

const encoder = new TextEncoder();

// Cell formats, by index in cellXfs: 1 and 2 are the dates xlsx_writer.ts writes.
const style = {
  date: 1,
  currency: 3,
  percent: 4,
  bold: 5,
  title: 6,
  month: 7,
  boldCurrency: 8,
  muted: 9,
  count: 10,
  number: 11,
  boldCount: 12,
  boldNumber: 13,
} as const;

/** Streams `report` as a Summary sheet, then the rows of `batches` as the Lines sheet. */
export function xlsxReportFile(
  report: Report,
  batches: AsyncIterable<RowBatch>,
): ReadableStream<Uint8Array> {
  const part = (xml: string) => encoder.encode(xmlDeclaration + xml);
  const lines = linesSheet(report, batches);
  function* entries(): Generator<ZipEntry> {
    yield { name: "[Content_Types].xml", data: part(contentTypes) };
    yield { name: "_rels/.rels", data: part(packageRelationships) };
    yield { name: "xl/workbook.xml", data: part(workbook) };
    yield { name: "xl/_rels/workbook.xml.rels", data: part(workbookRelationships) };
    yield { name: "xl/styles.xml", data: part(styles(report.currency)) };
    yield { name: "xl/worksheets/_rels/sheet2.xml.rels", data: part(sheetRelationships) };
    yield { name: "xl/worksheets/sheet1.xml", data: lines.summary };
    yield { name: "xl/worksheets/sheet2.xml", data: ReadableStream.from(lines.sheet) };
    // After the lines, whose count its range needs.
    yield {
      name: "xl/tables/table1.xml",
      data: ReadableStream.from((async function* () {
        yield part(lines.table());
      })()),
    };
  }
  return zipArchive(entries());
}

const contentTypes =
  `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
  `<Default Extension="xml" ContentType="application/xml"/>` +
  `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
  `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
  `<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
  `<Override PartName="/xl/tables/table1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"/>` +
  `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
  `</Types>`;

const packageRelationships = `<Relationships xmlns="${relationships}">` +
  `<Relationship Id="rId1" Type="${documentRelationships}/officeDocument" Target="xl/workbook.xml"/>` +
  `</Relationships>`;

const workbookRelationships = `<Relationships xmlns="${relationships}">` +
  `<Relationship Id="rId1" Type="${documentRelationships}/worksheet" Target="worksheets/sheet1.xml"/>` +
  `<Relationship Id="rId2" Type="${documentRelationships}/worksheet" Target="worksheets/sheet2.xml"/>` +
  `<Relationship Id="rId3" Type="${documentRelationships}/styles" Target="styles.xml"/>` +
  `</Relationships>`;

const sheetRelationships = `<Relationships xmlns="${relationships}">` +
  `<Relationship Id="rId1" Type="${documentRelationships}/table" Target="../tables/table1.xml"/>` +
  `</Relationships>`;

// fullCalcOnLoad: the application computes every formula on opening, so
// that a reader's first view is its own arithmetic, not only the cached values.
const workbook = `<workbook xmlns="${spreadsheetMl}" xmlns:r="${documentRelationships}">` +
  `<sheets><sheet name="Summary" sheetId="1" r:id="rId1"/><sheet name="Lines" sheetId="2" r:id="rId2"/></sheets>` +
  `<calcPr calcId="191029" fullCalcOnLoad="1"/>` +
  `</workbook>`;

/** The currency's symbol as people write it (`€` for EUR), else its code. */
function currencySymbol(currency: string | null | undefined): string {
  if (!currency) return "";
  try {
    return new Intl.NumberFormat("en", {
      style: "currency",
      currency,
      currencyDisplay: "narrowSymbol",
    }).formatToParts(0).find((part) => part.type === "currency")?.value ?? currency;
  } catch {
    return currency;
  }
}

function styles(currency: string | null | undefined): string {
  const symbol = currencySymbol(currency).replaceAll('"', "");
  const money = symbol
    ? `&quot;${escapeXml(symbol)}&quot;#,##0.00;-&quot;${escapeXml(symbol)}&quot;#,##0.00`
    : "#,##0.00";
  const xf = (numFmt: number, font = 0) =>
    `<xf numFmtId="${numFmt}" fontId="${font}" fillId="0" borderId="0" xfId="0"` +
    `${numFmt ? ' applyNumberFormat="1"' : ""}${font ? ' applyFont="1"' : ""}/>`;
  return `<styleSheet xmlns="${spreadsheetMl}">` +
    `<numFmts count="4"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/>` +
    `<numFmt numFmtId="165" formatCode="${money}"/>` +
    `<numFmt numFmtId="166" formatCode="0.0%"/>` +
    `<numFmt numFmtId="167" formatCode="mmm yyyy"/></numFmts>` +
    `<fonts count="4"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
    `<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
    `<font><b/><sz val="16"/><name val="Calibri"/><family val="2"/></font>` +
    `<font><sz val="11"/><color rgb="FF666666"/><name val="Calibri"/><family val="2"/></font></fonts>` +
    `<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
    `<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
    `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
    `<cellXfs count="14">` +
    xf(0) + xf(14) + xf(164) + xf(165) + xf(166) + xf(0, 1) + xf(0, 2) + xf(167) + xf(165, 1) +
    xf(0, 3) + xf(3) + xf(4) + xf(3, 1) + xf(4, 1) +
    `</cellXfs>` +
    `<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
    `</styleSheet>`;
}

/** A structured reference to a column of the lines' table. */
function tableColumn(label: string): string {
  // In a structured reference these characters are escaped with an apostrophe.
  return `${linesTable}[${label.replace(/['#[\]]/g, "'$&")}]`;
}

/** A text in a formula: quoted, its quotes doubled. */
const formulaText = (text: string) => `"${text.replaceAll('"', '""')}"`;

/** The criteria pairs of SUMIFS for `where`. */
function criteria(report: Report, where: LineFilter | undefined): string {
  return Object.entries(where ?? {})
    .map(([column, value]) => `,${tableColumn(columnLabel(report, column))},${formulaText(value)}`)
    .join("");
}

/** A sum of the lines' `column` meeting the criteria, negated where asked. */
function sumFormula(report: Report, column: string, conditions: string, negate?: boolean): string {
  const target = tableColumn(columnLabel(report, column));
  const sum = conditions ? `SUMIFS(${target}${conditions})` : `SUM(${target})`;
  return negate ? `-${sum}` : sum;
}

function kindStyle(kind: ValueKind, bold = false): number | undefined {
  switch (kind) {
    case "currency":
      return bold ? style.boldCurrency : style.currency;
    case "percent":
      return style.percent;
    case "count":
      return bold ? style.boldCount : style.count;
    case "number":
      return bold ? style.boldNumber : style.number;
    default:
      return undefined;
  }
}

/** A formula cell with its cached value. */
function formulaCell(ref: string, formula: string, value: unknown, cellStyle?: number): string {
  const number = Number(value);
  const cached = value === null || value === undefined || !Number.isFinite(number)
    ? ""
    : `<v>${number}</v>`;
  const s = cellStyle === undefined ? "" : ` s="${cellStyle}"`;
  return `<c r="${ref}"${s}><f>${escapeXml(formula)}</f>${cached}</c>`;
}

function styledText(ref: string, text: string, cellStyle: number): string {
  return textCell(ref, text).replace("<c ", `<c s="${cellStyle}" `);
}

/** The Summary sheet: title, figures, then each group as a table of formulas. */
function summarySheet(report: Report, lineColumns: string[]): string {
  const rows: string[] = [];
  const bars: string[] = [];
  let r = 0;
  const row = (cells: string) => rows.push(`<row r="${++r}">${cells}</row>`);
  row(styledText(`A${r + 1}`, report.title, style.title));
  const subtitle = reportSubtitle(report);
  if (subtitle) row(styledText(`A${r + 1}`, subtitle, style.muted));
  r++;
  for (const figure of report.figures) {
    const n = r + 1;
    const kind = figureKind(report, figure);
    const formula = figure.count
      ? `COUNTA(${tableColumn(columnLabel(report, lineColumns[0] ?? ""))})`
      : sumFormula(report, figure.sum ?? "", criteria(report, figure.where), figure.negate);
    row(
      styledText(`A${n}`, figure.label, style.bold) +
        formulaCell(`B${n}`, formula, figure.value, kindStyle(kind, true)),
    );
  }
  for (const group of report.groups) {
    r++;
    row(styledText(`A${r + 1}`, group.title, style.bold));
    const header = [group.key.label, ...group.columns.map((column) => column.label)];
    row(
      header.map((label, i) => styledText(`${columnLetters(i)}${r + 1}`, label, style.bold)).join(
        "",
      ),
    );
    const first = r + 1;
    const last = r + Math.max(group.rows.length, 1);
    for (const values of group.rows) {
      const n = r + 1;
      row(groupRow(report, group, values, n, first, last));
    }
    for (const chart of report.charts.filter((c) => chartGroup(report, c) === group)) {
      const positions = chart.type === "bars" ? chart.columns! : [chart.column!];
      for (const position of positions) {
        const letter = columnLetters(position);
        bars.push(`${letter}${first}:${letter}${last}`);
      }
    }
  }
  const formatting = [...new Set(bars)].map((range, index) =>
    `<conditionalFormatting sqref="${range}"><cfRule type="dataBar" priority="${index + 1}">` +
    `<dataBar><cfvo type="min"/><cfvo type="max"/><color rgb="FF5B8FC7"/></dataBar>` +
    `</cfRule></conditionalFormatting>`
  ).join("");
  return `<worksheet xmlns="${spreadsheetMl}" xmlns:r="${documentRelationships}">` +
    `<cols><col min="1" max="1" width="26" customWidth="1"/><col min="2" max="6" width="18" customWidth="1"/></cols>` +
    `<sheetData>${rows.join("")}</sheetData>${formatting}</worksheet>`;
}

/** One row of a group's table: its key, then a formula (or text) a column. */
function groupRow(
  report: Report,
  group: ReportGroup,
  values: (string | number | null)[],
  n: number,
  first: number,
  last: number,
): string {
  const key = values[0];
  const byMonth = group.key.by === "month";
  const month = byMonth && typeof key === "string" ? sheetDate(key) : undefined;
  let cells = month
    ? cellXml(`A${n}`, month).replace(/ s="\d+"/, ` s="${style.month}"`)
    : cellXml(`A${n}`, key === null ? null : String(key));
  const keyColumn = tableColumn(columnLabel(report, group.key.column));
  const keyCriteria = month
    ? `,${keyColumn},">="&$A${n},${keyColumn},"<"&EDATE($A${n},1)`
    : `,${keyColumn},$A${n}`;
  group.columns.forEach((column, index) => {
    const ref = `${columnLetters(index + 1)}${n}`;
    const value = values[index + 1];
    const kind = groupColumnKind(report, column);
    if (column.text !== undefined) {
      cells += cellXml(ref, value === null || value === undefined ? null : String(value));
    } else if (column.share_of !== undefined) {
      const of = columnLetters(column.share_of);
      const share = column.within === undefined
        ? `${of}${n}/SUM(${of}$${first}:${of}$${last})`
        : `${of}${n}/SUMIFS(${of}$${first}:${of}$${last},${columnLetters(column.within)}$${first}:${
          columnLetters(column.within)
        }$${last},${columnLetters(column.within)}${n})`;
      cells += formulaCell(ref, `IFERROR(${share},0)`, value, kindStyle(kind));
    } else {
      const formula = sumFormula(
        report,
        column.sum ?? "",
        keyCriteria + criteria(report, column.where),
        column.negate,
      );
      cells += formulaCell(ref, formula, value, kindStyle(kind));
    }
  });
  return cells;
}

/** The Lines sheet, the Summary that names its columns, and the table over it. */
function linesSheet(report: Report, batches: AsyncIterable<RowBatch>) {
  let rowNumber = 1;
  let columns: { name: string; type: number }[] = [];
  const numberStyles: (number | undefined)[] = [];
  async function* sheet(): AsyncGenerator<Uint8Array> {
    let letters: string[] = [];
    for await (const batch of batches) {
      if (batch.columns && columns.length === 0) {
        columns = batch.columns.map(({ name, type }) => ({ name, type }));
        letters = columns.map((_, index) => columnLetters(index));
        columns.forEach(({ name, type }, index) => {
          numberStyles[index] = isCurrencyColumn(report, name) && numeric.has(type)
            ? style.currency
            : undefined;
        });
        yield encoder.encode(head(report, columns, batch));
      }
      let xml = "";
      for (const row of batch) {
        const n = ++rowNumber;
        xml += `<row r="${n}">`;
        for (let index = 0; index < columns.length; index++) {
          const { name, type } = columns[index];
          xml += cellXml(`${letters[index]}${n}`, typedValue(row[name], type), numberStyles[index]);
        }
        xml += "</row>";
      }
      if (xml) yield encoder.encode(xml);
    }
    yield encoder.encode(
      `</sheetData><tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>`,
    );
  }
  // The summary's formulas name the lines' columns, known from the first
  // batch; it is written before the lines, so it waits for that batch.
  const started = sheet();
  let primed: IteratorResult<Uint8Array> | undefined;
  const summary = ReadableStream.from((async function* () {
    primed = await started.next();
    yield encoder.encode(
      xmlDeclaration + summarySheet(report, columns.map((column) => column.name)),
    );
  })());
  const rest = (async function* () {
    if (primed && !primed.done) yield primed.value;
    yield* started;
  })();
  return {
    summary,
    sheet: rest,
    table: () => {
      const labels = columns.map((column) => columnLabel(report, column.name));
      const lastColumn = columnLetters(Math.max(labels.length - 1, 0));
      // A table holds at least one row under its header.
      const ref = `A1:${lastColumn}${Math.max(rowNumber, 2)}`;
      return `<table xmlns="${spreadsheetMl}" id="1" name="${linesTable}" displayName="${linesTable}" ref="${ref}" totalsRowShown="0">` +
        `<autoFilter ref="${ref}"/>` +
        `<tableColumns count="${labels.length}">${
          labels.map((label, index) =>
            `<tableColumn id="${index + 1}" name="${escapeXml(label).replaceAll('"', "&quot;")}"/>`
          ).join("")
        }</tableColumns>` +
        `<tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/>` +
        `</table>`;
    },
  };
}

const numeric = new Set<number>([
  pgTypes.int2,
  pgTypes.int4,
  pgTypes.int8,
  pgTypes.float4,
  pgTypes.float8,
  pgTypes.numeric,
]);

/**
 * The Lines sheet up to its first row of data: a frozen header, and columns
 * as wide as the first batch's longest texts (within reason).
 */
function head(report: Report, columns: { name: string; type: number }[], first: RowBatch): string {
  const widths = columns.map(({ name, type }) => {
    if (type === pgTypes.date) return 12;
    if (numeric.has(type)) return 14;
    let longest = columnLabel(report, name).length;
    for (const row of first.slice(0, 200)) {
      const value = row[name];
      if (typeof value === "string") longest = Math.max(longest, value.length);
    }
    return Math.min(Math.max(longest + 2, 10), 60);
  });
  const header = columns.map(({ name }, index) =>
    styledText(`${columnLetters(index)}1`, columnLabel(report, name), style.bold)
  ).join("");
  return `${xmlDeclaration}<worksheet xmlns="${spreadsheetMl}" xmlns:r="${documentRelationships}">` +
    `<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>` +
    `<cols>${
      widths.map((width, index) =>
        `<col min="${index + 1}" max="${index + 1}" width="${width}" customWidth="1"/>`
      ).join("")
    }</cols>` +
    `<sheetData><row r="1">${header}</row>`;
}
