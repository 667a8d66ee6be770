// Writes cursor batches as an Apache Parquet file with hyparquet-writer: each
// column typed from its Postgres type, rows gathered into row groups that are
// encoded, Snappy-compressed and streamed out one at a time, so the file is
// never whole in memory.
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { SchemaElement } from "hyparquet";
import { pgTypes } from "./cell_value.ts";
import type { RowBatch } from "./xlsx_writer.ts";

/**
 * A row group holds at most this many rows: a group's values are held until
 * it is written, and their encoded copies while it is, so the worker's peak
 * memory grows with it, while readers lose little at this size.
 */
export const parquetRowGroupRows = 10_000;

/**
 * A row group ends once its values' text reaches this many bytes, so wide
 * rows (long messages) keep the writer's memory bounded.
 */
export const parquetRowGroupBytes = 4 * 1024 * 1024;

const more = {
  bytea: 17,
  json: 114,
  uuid: 2950,
  jsonb: 3802,
} as const;

/** How one column is declared in the file and converted from Postgres's text. */
interface ParquetColumn {
  element: SchemaElement;
  convert: (text: string) => unknown;
}

/** The column of Postgres type `type` (an OID) named `name`. */
export function parquetColumn(name: string, type: number | undefined): ParquetColumn {
  const optional = { name, repetition_type: "OPTIONAL" } as const;
  switch (type) {
    case pgTypes.bool:
      return { element: { ...optional, type: "BOOLEAN" }, convert: (text) => text === "t" };
    case pgTypes.int2:
    case pgTypes.int4:
      return { element: { ...optional, type: "INT32" }, convert: Number };
    case pgTypes.int8:
      return { element: { ...optional, type: "INT64" }, convert: BigInt };
    case pgTypes.oid:
      return { element: { ...optional, type: "INT64" }, convert: BigInt };
    case pgTypes.float4:
      return { element: { ...optional, type: "FLOAT" }, convert: Number };
    // numeric has no width a function declares: a double is its nearest form
    // (NaN and the infinities included); CSV and JSON keep every digit.
    case pgTypes.float8:
    case pgTypes.numeric:
      return { element: { ...optional, type: "DOUBLE" }, convert: Number };
    case pgTypes.date:
      return {
        element: { ...optional, type: "INT32", converted_type: "DATE" },
        convert: (text) => {
          const parts = postgresDateTime(text);
          return parts === null ? null : parts.days;
        },
      };
    case pgTypes.timestamptz:
      return {
        element: {
          ...optional,
          type: "INT64",
          converted_type: "TIMESTAMP_MICROS",
          logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" },
        },
        convert: (text) => microseconds(text),
      };
    case pgTypes.timestamp:
      return {
        element: {
          ...optional,
          type: "INT64",
          logical_type: { type: "TIMESTAMP", isAdjustedToUTC: false, unit: "MICROS" },
        },
        convert: (text) => microseconds(text),
      };
    case more.uuid:
      return {
        element: {
          ...optional,
          type: "FIXED_LEN_BYTE_ARRAY",
          type_length: 16,
          logical_type: { type: "UUID" },
        },
        convert: (text) => text,
      };
    // The JSON's own text, with the JSON logical type alone: hyparquet-writer
    // would stringify a string again under the JSON converted type.
    case more.json:
    case more.jsonb:
      return {
        element: { ...optional, type: "BYTE_ARRAY", logical_type: { type: "JSON" } },
        convert: (text) => text,
      };
    case more.bytea:
      return {
        element: { ...optional, type: "BYTE_ARRAY" },
        convert: (text) => hexBytes(text),
      };
    default:
      return {
        element: { ...optional, type: "BYTE_ARRAY", converted_type: "UTF8" },
        convert: (text) => text,
      };
  }
}

function hexBytes(text: string): Uint8Array {
  const hex = text.startsWith("\\x") ? text.slice(2) : text;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (astronomical year). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const dateTime =
  /^(\d{4,})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?(?:([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?)?( BC)?$/;

// Rows of one export share few dates: their days are computed once each.
const daysOfDate = new Map<string, number>();

/**
 * A date, timestamp or timestamptz as Postgres writes it in ISO DateStyle:
 * days since 1970-01-01 and microseconds into the day, UTC for one with an
 * offset. `infinity` and `-infinity` have no date: null.
 */
export function postgresDateTime(
  text: string,
): { days: number; microsOfDay: bigint } | null {
  return commonDateTime(text) ?? anyDateTime(text);
}

const digit = (text: string, at: number) => text.charCodeAt(at) - 48;
const twoDigits = (text: string, at: number) => digit(text, at) * 10 + digit(text, at + 1);

/**
 * The form nearly every value has, read by position: a four-digit year AD,
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` and an offset of whole hours or none.
 * Anything else is left to the full pattern.
 */
function commonDateTime(text: string): { days: number; microsOfDay: bigint } | null {
  const n = text.length;
  if (n < 19 || text[4] !== "-" || text[10] !== " " || text[13] !== ":" || text[16] !== ":") {
    return null;
  }
  let at = 19;
  let frac = 0;
  if (text[at] === ".") {
    let scale = 100_000;
    for (at++; at < n && text[at] >= "0" && text[at] <= "9"; at++) {
      frac += digit(text, at) * scale;
      scale /= 10;
    }
  }
  let offset = 0;
  if (at < n) {
    if (n - at !== 3 || (text[at] !== "+" && text[at] !== "-")) return null;
    offset = twoDigits(text, at + 1) * 3600 * (text[at] === "+" ? 1 : -1);
  }
  const date = text.slice(0, 10);
  let days = daysOfDate.get(date);
  if (days === undefined) {
    days = daysFromCivil(Number(text.slice(0, 4)), twoDigits(text, 5), twoDigits(text, 8));
    if (daysOfDate.size >= 10_000) daysOfDate.clear();
    daysOfDate.set(date, days);
  }
  const seconds = twoDigits(text, 11) * 3600 + twoDigits(text, 14) * 60 + twoDigits(text, 17) -
    offset;
  return { days, microsOfDay: BigInt(seconds * 1_000_000 + frac) };
}

function anyDateTime(text: string): { days: number; microsOfDay: bigint } | null {
  const m = dateTime.exec(text);
  if (!m) {
    if (text === "infinity" || text === "-infinity") return null;
    throw new Error(`not a Postgres date or time: ${text}`);
  }
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os, bc] = m;
  const date = bc ? `${y}-${mo}-${d} BC` : `${y}-${mo}-${d}`;
  let days = daysOfDate.get(date);
  if (days === undefined) {
    days = daysFromCivil(bc ? 1 - Number(y) : Number(y), Number(mo), Number(d));
    if (daysOfDate.size >= 10_000) daysOfDate.clear();
    daysOfDate.set(date, days);
  }
  let seconds = Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(s ?? 0);
  if (sign) {
    const offset = Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0);
    seconds -= sign === "+" ? offset : -offset;
  }
  // Under 2^53: a day's microseconds, an offset's at most.
  const micros = seconds * 1_000_000 + (frac ? Number(frac.padEnd(6, "0")) : 0);
  return { days, microsOfDay: BigInt(micros) };
}

const int64Max = 9223372036854775807n;

/**
 * Microseconds since 1970-01-01T00:00:00 (UTC for a timestamptz); null for
 * the infinities, and for the last years Postgres holds (it counts from 2000),
 * which are past an int64 of microseconds from 1970.
 */
function microseconds(text: string): bigint | null {
  const parts = postgresDateTime(text);
  if (parts === null) return null;
  // Exact as a double while within some 285 years of 1970.
  const fast = parts.days * 86_400_000_000 + Number(parts.microsOfDay);
  if (Math.abs(fast) < Number.MAX_SAFE_INTEGER) return BigInt(fast);
  const micros = BigInt(parts.days) * 86_400_000_000n + parts.microsOfDay;
  return micros > int64Max ? null : micros;
}

/** A ByteWriter whose bytes leave it at each row group's end. */
class StreamingWriter extends ByteWriter {
  constructor(private readonly out: (bytes: Uint8Array) => void) {
    super(1 << 20);
  }

  flush() {
    if (this.index === 0) return;
    this.out(this.getBytes().slice());
    this.index = 0;
  }

  override finish() {
    this.flush();
  }
}

/** Options of {@link parquetFile}. */
export interface ParquetOptions {
  /** Kept in the file's key-value metadata. */
  title: string;
  /** The most rows of a row group; {@link parquetRowGroupRows} by default. */
  rowGroupRows?: number;
  /** The most bytes of text of a row group; {@link parquetRowGroupBytes} by default. */
  rowGroupBytes?: number;
}

/** A Parquet file of `batches`, one row group per {@link parquetRowGroupRows} rows at most. */
export function parquetFile(
  batches: AsyncIterable<RowBatch>,
  options: ParquetOptions,
): ReadableStream<Uint8Array> {
  const iterator = batches[Symbol.asyncIterator]();
  const groupRows = options.rowGroupRows ?? parquetRowGroupRows;
  const groupBytes = options.rowGroupBytes ?? parquetRowGroupBytes;
  let writer: ParquetWriter | undefined;
  let columns: { name: string; column: ParquetColumn }[] = [];
  let values: unknown[][] = [];
  let rows = 0;
  let bytes = 0;
  let pending: Uint8Array[] = [];
  const writerFor = (described: NonNullable<RowBatch["columns"]>) => {
    columns = described.map(({ name, type }) => ({ name, column: parquetColumn(name, type) }));
    values = columns.map(() => []);
    writer = new ParquetWriter({
      writer: new StreamingWriter((chunk) => pending.push(chunk)),
      schema: [
        { name: "root", num_children: columns.length },
        ...columns.map(({ column }) => column.element),
      ],
      codec: "SNAPPY",
      kvMetadata: [{ key: "source", value: options.title }],
      createdBy: "supabase-exports (hyparquet-writer)",
    });
  };
  const writeGroup = () => {
    if (rows === 0) return;
    writer!.write({
      columnData: columns.map(({ name }, c) => ({ name, data: values[c] })),
      rowGroupSize: rows,
    });
    values = columns.map(() => []);
    rows = 0;
    bytes = 0;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (pending.length === 0) {
        const next = await iterator.next();
        if (next.done) {
          if (!writer) writerFor([]);
          writeGroup();
          writer!.finish();
          for (const chunk of pending) controller.enqueue(chunk);
          controller.close();
          return;
        }
        const batch = next.value;
        if (!writer) {
          writerFor(
            batch.columns ?? Object.keys(batch[0] ?? {}).map((name) => ({ name, type: 0 })),
          );
        }
        for (const row of batch) {
          columns.forEach(({ name, column }, c) => {
            const text = row[name];
            if (text === null || text === undefined) {
              values[c].push(null);
              return;
            }
            const value = text as string;
            bytes += value.length;
            values[c].push(column.convert(value));
          });
          rows++;
          if (rows >= groupRows || bytes >= groupBytes) writeGroup();
        }
      }
      for (const chunk of pending) controller.enqueue(chunk);
      pending = [];
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}
