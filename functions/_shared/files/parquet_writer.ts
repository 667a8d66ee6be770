// Writes the output of COPY ... TO STDOUT (its text format) as an Apache
// Parquet file with hyparquet-writer: each column typed from its Postgres
// type, rows gathered into row groups that are encoded, Snappy-compressed and
// streamed out one at a time, so the file is never whole in memory. It reads
// COPY's bytes, not a cursor's rows, into typed arrays, not a JavaScript value
// a cell, so that what a row group holds while it is gathered stays off the
// garbage-collected heap, as a CSV export's rows do.
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { DecodedArray, SchemaElement } from "hyparquet";
import { pgTypes } from "./cell_value.ts";
import { copyEscapes } from "./copy_text.ts";
import type { Column } from "./text_rows.ts";

/**
 * A row group holds at most this many rows: readers lose little at this size,
 * and a group of narrow rows stays small.
 */
export const parquetRowGroupRows = 10_000;

/**
 * A row group ends once its rows' COPY text reaches this many bytes. While a
 * group is written, each of its text values is a JavaScript object, so its
 * size sets how much the collector must carry; a longer group compresses
 * better, and each group adds to the footer kept in memory to the end.
 */
export const parquetRowGroupBytes = 1024 * 1024;

const more = {
  bytea: 17,
  json: 114,
  uuid: 2950,
  jsonb: 3802,
} as const;

/**
 * How a column's values wait for their row group, each kind in typed arrays
 * of its own: 32-bit integers, doubles, 64-bit integers, booleans, text (its
 * UTF-8 bytes) or hex digits (their bytes).
 */
type Held = "int32" | "double" | "int64" | "boolean" | "text" | "hex";

/** How one column is declared in the file and read from COPY's text. */
interface ParquetColumn {
  element: SchemaElement;
  held: Held;
  /** A number column's value from its text; null for none (an infinite date). */
  convert?: (text: string) => number | bigint | null;
  /** The common forms of a number or time read from COPY's bytes; undefined for others. */
  fromBytes?: (copy: Uint8Array, start: number, end: number) => number | undefined;
}

/** The column of Postgres type `type` (an OID) named `name`. */
export function parquetColumn(name: string, type: number | undefined): ParquetColumn {
  const optional = { name, repetition_type: "OPTIONAL" } as const;
  switch (type) {
    case pgTypes.bool:
      return { element: { ...optional, type: "BOOLEAN" }, held: "boolean" };
    case pgTypes.int2:
    case pgTypes.int4:
      return {
        element: { ...optional, type: "INT32" },
        held: "int32",
        convert: Number,
        fromBytes: decimal,
      };
    case pgTypes.int8:
    case pgTypes.oid:
      return { element: { ...optional, type: "INT64" }, held: "int64", convert: BigInt };
    case pgTypes.float4:
      return {
        element: { ...optional, type: "FLOAT" },
        held: "double",
        convert: Number,
        fromBytes: decimal,
      };
    // numeric has no width a function declares: a double is its nearest form
    // (NaN and the infinities included); CSV and JSON keep every digit.
    case pgTypes.float8:
    case pgTypes.numeric:
      return {
        element: { ...optional, type: "DOUBLE" },
        held: "double",
        convert: Number,
        fromBytes: decimal,
      };
    case pgTypes.date:
      return {
        element: { ...optional, type: "INT32", converted_type: "DATE" },
        held: "int32",
        convert: (text) => postgresDateTime(text)?.days ?? null,
      };
    case pgTypes.timestamptz:
      return {
        element: {
          ...optional,
          type: "INT64",
          converted_type: "TIMESTAMP_MICROS",
          logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" },
        },
        held: "int64",
        convert: microseconds,
        fromBytes: copyMicroseconds,
      };
    case pgTypes.timestamp:
      return {
        element: {
          ...optional,
          type: "INT64",
          logical_type: { type: "TIMESTAMP", isAdjustedToUTC: false, unit: "MICROS" },
        },
        held: "int64",
        convert: microseconds,
        fromBytes: copyMicroseconds,
      };
    case more.uuid:
      return {
        element: {
          ...optional,
          type: "FIXED_LEN_BYTE_ARRAY",
          type_length: 16,
          logical_type: { type: "UUID" },
        },
        held: "hex",
      };
    // The JSON's own text, with the JSON logical type alone: hyparquet-writer
    // would stringify a string again under the JSON converted type.
    case more.json:
    case more.jsonb:
      return {
        element: { ...optional, type: "BYTE_ARRAY", logical_type: { type: "JSON" } },
        held: "text",
      };
    case more.bytea:
      return { element: { ...optional, type: "BYTE_ARRAY" }, held: "hex" };
    default:
      return {
        element: { ...optional, type: "BYTE_ARRAY", converted_type: "UTF8" },
        held: "text",
      };
  }
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

const backslash = 0x5c;
const tab = 0x09;
const newline = 0x0a;

/** The byte each byte after a backslash stands for in COPY's text format; 0: none. */
const unescaped = new Uint8Array(256);
for (const [escape, byte] of copyEscapes) unescaped[escape] = byte;

/**
 * Writes `copy[start..end)`, COPY's escaped text, to `out` at `at` as the
 * bytes it stands for; returns where they end in `out`.
 */
function unescape(copy: Uint8Array, start: number, end: number, out: Uint8Array, at: number) {
  for (let i = start; i < end; i++) {
    const byte = copy[i];
    if (byte !== backslash) {
      out[at++] = byte;
      continue;
    }
    const escaped = unescaped[copy[++i]];
    if (escaped === 0) {
      throw new Error(`unexpected COPY text escape \\${String.fromCharCode(copy[i])}`);
    }
    out[at++] = escaped;
  }
  return at;
}

const nibble = (byte: number) => byte <= 0x39 ? byte - 0x30 : (byte | 0x20) - 0x57;

/**
 * Writes the bytes the hex digits of `copy[start..end)` spell to `out` at
 * `at`, past bytea's `\\x` (its backslash escaped by COPY) and a UUID's
 * hyphens; returns where they end in `out`.
 */
function unhex(copy: Uint8Array, start: number, end: number, out: Uint8Array, at: number) {
  let i = start;
  while (i < end && (copy[i] === backslash || copy[i] === 0x78)) i++;
  for (; i < end; i += 2) {
    if (copy[i] === 0x2d) i++;
    out[at++] = nibble(copy[i]) << 4 | nibble(copy[i + 1]);
  }
  return at;
}

const powersOfTen = [
  1,
  10,
  100,
  1e3,
  1e4,
  1e5,
  1e6,
  1e7,
  1e8,
  1e9,
  1e10,
  1e11,
  1e12,
  1e13,
  1e14,
  1e15,
];

/**
 * A plain decimal (`-12.5`) of at most 15 digits, exact as a double, read
 * from COPY's bytes; undefined for any other text.
 */
function decimal(copy: Uint8Array, start: number, end: number): number | undefined {
  let at = start;
  const negative = copy[at] === 0x2d;
  if (negative) at++;
  let mantissa = 0;
  let digits = 0;
  let scale = -1;
  for (; at < end; at++) {
    const byte = copy[at];
    if (byte === 0x2e && scale < 0) {
      scale = 0;
      continue;
    }
    const digit = byte - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    mantissa = mantissa * 10 + digit;
    digits++;
    if (scale >= 0) scale++;
  }
  if (digits === 0 || digits > 15) return undefined;
  const value = scale > 0 ? mantissa / powersOfTen[scale] : mantissa;
  return negative ? -value : value;
}

const byteDigits = (copy: Uint8Array, at: number) => (copy[at] - 0x30) * 10 + copy[at + 1] - 0x30;

/**
 * A timestamp's microseconds since 1970 in the form nearly every value has
 * (as {@link commonDateTime} reads it), from COPY's bytes; undefined for
 * any other, and for one past a double's exact integers.
 */
function copyMicroseconds(copy: Uint8Array, start: number, end: number): number | undefined {
  if (
    end - start < 19 || copy[start + 4] !== 0x2d || copy[start + 10] !== 0x20 ||
    copy[start + 13] !== 0x3a || copy[start + 16] !== 0x3a
  ) return undefined;
  let at = start + 19;
  let frac = 0;
  if (at < end && copy[at] === 0x2e) {
    let scale = 100_000;
    for (at++; at < end && copy[at] >= 0x30 && copy[at] <= 0x39; at++) {
      frac += (copy[at] - 0x30) * scale;
      scale /= 10;
    }
  }
  let offset = 0;
  if (at < end) {
    if (end - at !== 3 || (copy[at] !== 0x2b && copy[at] !== 0x2d)) return undefined;
    offset = byteDigits(copy, at + 1) * 3600 * (copy[at] === 0x2b ? 1 : -1);
  }
  const year = byteDigits(copy, start) * 100 + byteDigits(copy, start + 2);
  const days = daysFromCivil(year, byteDigits(copy, start + 5), byteDigits(copy, start + 8));
  const seconds = byteDigits(copy, start + 11) * 3600 + byteDigits(copy, start + 14) * 60 +
    byteDigits(copy, start + 17) - offset;
  const micros = (days * 86_400 + seconds) * 1_000_000 + frac;
  // Exact as a double while within some 285 years of 1970.
  return Math.abs(micros) < Number.MAX_SAFE_INTEGER ? micros : undefined;
}

const decoder = new TextDecoder();

/**
 * One column's values of the row group being gathered, in typed arrays kept
 * from one group to the next. A value leaves the JavaScript heap as it is
 * read: a group waiting to be written holds no object per value for the
 * garbage collector to carry into its old generation.
 */
class GatheredColumn {
  #count = 0;
  #nulls = 0;
  /** Whether each value is one (not SQL null). */
  #present = new Uint8Array(1024);
  /** A number, time or boolean column's values (a null's slot unused). */
  #numbers: Int32Array | Float64Array | BigInt64Array | Uint8Array;
  /** An int64 column's values as 32-bit halves, low first. */
  #halves: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** A text or hex column's values' bytes end to end, and where each ends. */
  #bytes = new Uint8Array(0);
  #ends = new Int32Array(0);
  #length = 0;
  /** The values {@link take} hands over. */
  #values: unknown[] = [];

  constructor(readonly column: ParquetColumn) {
    const held = column.held;
    this.#numbers = held === "int32"
      ? new Int32Array(1024)
      : held === "double"
      ? new Float64Array(1024)
      : held === "int64"
      ? new BigInt64Array(1024)
      : new Uint8Array(held === "boolean" ? 1024 : 0);
    if (held === "int64") this.#halves = new Int32Array(this.#numbers.buffer);
    if (held === "text" || held === "hex") {
      this.#bytes = new Uint8Array(64 * 1024);
      this.#ends = new Int32Array(1024);
    }
  }

  /** Adds SQL null. */
  pushNull() {
    const at = this.#next();
    this.#present[at] = 0;
    this.#nulls++;
    if (this.#ends.length) this.#ends[at] = this.#length;
  }

  /** Adds the value COPY wrote, escaped, at `copy[start..end)`. */
  push(copy: Uint8Array, start: number, end: number) {
    const { held, convert, fromBytes } = this.column;
    if (held === "text" || held === "hex") {
      // Unescaping and unhexing only shrink.
      if (this.#length + end - start > this.#bytes.length) {
        this.#bytes = grown(this.#bytes, this.#length + end - start);
      }
      const at = this.#next();
      this.#length = (held === "text" ? unescape : unhex)(
        copy,
        start,
        end,
        this.#bytes,
        this.#length,
      );
      this.#ends[at] = this.#length;
      this.#present[at] = 1;
      return;
    }
    if (held === "boolean") {
      const at = this.#next();
      this.#numbers[at] = copy[start] === 0x74 ? 1 : 0;
      this.#present[at] = 1;
      return;
    }
    const value = fromBytes?.(copy, start, end) ??
      convert!(decoder.decode(copy.subarray(start, end)));
    if (value === null) return this.pushNull();
    const at = this.#next();
    this.#present[at] = 1;
    if (typeof value === "bigint") {
      (this.#numbers as BigInt64Array)[at] = value;
    } else if (held === "int64") {
      // Two's complement halves of an integer within 2^53, with no BigInt made.
      const high = Math.floor(value / 4294967296);
      this.#halves[at * 2] = value - high * 4294967296;
      this.#halves[at * 2 + 1] = high;
    } else {
      (this.#numbers as Int32Array | Float64Array)[at] = value;
    }
  }

  /** The next value's index, with room for it. */
  #next(): number {
    const at = this.#count++;
    if (at < this.#present.length) return at;
    const size = this.#present.length * 2;
    this.#present = grown(this.#present, size);
    if (this.#numbers.length) this.#numbers = grown(this.#numbers, size);
    if (this.column.held === "int64") this.#halves = new Int32Array(this.#numbers.buffer);
    if (this.#ends.length) this.#ends = grown(this.#ends, size);
    return at;
  }

  /**
   * The group's values as hyparquet-writer takes them: a typed array for a
   * number column without nulls, else an array that lasts as long as the
   * column, each text or hex value a view of the column's bytes. Call
   * {@link release} once they are written.
   */
  take(): DecodedArray {
    const count = this.#count;
    const held = this.column.held;
    if (held !== "text" && held !== "hex" && held !== "boolean" && this.#nulls === 0) {
      return this.#numbers.slice(0, count);
    }
    const present = this.#present;
    const values = this.#values;
    values.length = count;
    if (held === "text" || held === "hex") {
      const bytes = this.#bytes;
      const ends = this.#ends;
      for (let i = 0, start = 0; i < count; start = ends[i++]) {
        values[i] = present[i] ? bytes.subarray(start, ends[i]) : null;
      }
    } else {
      const numbers = this.#numbers as ArrayLike<unknown>;
      const boolean = held === "boolean";
      for (let i = 0; i < count; i++) {
        values[i] = present[i] ? (boolean ? numbers[i] === 1 : numbers[i]) : null;
      }
    }
    return values;
  }

  /**
   * Empties the group, letting its values go. V8 soon moves an array that
   * outlives a few collections (as one a row group long does) to its old
   * generation, where it would keep the values it points to alive until a
   * full collection: one array kept for the column's life, emptied here,
   * leaves them to die young.
   */
  release() {
    this.#values.length = 0;
    this.#count = 0;
    this.#nulls = 0;
    this.#length = 0;
  }
}

/** A copy of `array` with room for `size` elements, twice its own at least. */
function grown<T extends Uint8Array | Int32Array | Float64Array | BigInt64Array>(
  array: T,
  size: number,
): T {
  const bigger = new (array.constructor as new (size: number) => T)(
    Math.max(size, array.length * 2),
  );
  bigger.set(array as never);
  return bigger;
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
  /** The statement's columns, as postgres.js describes them. */
  columns: readonly Column[];
  /** Kept in the file's key-value metadata. */
  title: string;
  /** The most rows of a row group; {@link parquetRowGroupRows} by default. */
  rowGroupRows?: number;
  /** The most bytes of COPY text of a row group; {@link parquetRowGroupBytes} by default. */
  rowGroupBytes?: number;
}

/**
 * A Parquet file of the rows of `copy`, the output of COPY ... TO STDOUT in
 * its text format, one row group per {@link parquetRowGroupRows} rows at most.
 */
export function parquetFile(
  copy: ReadableStream<Uint8Array>,
  options: ParquetOptions,
): ReadableStream<Uint8Array> {
  const reader = copy.getReader();
  const groupRows = options.rowGroupRows ?? parquetRowGroupRows;
  const groupBytes = options.rowGroupBytes ?? parquetRowGroupBytes;
  const group = options.columns.map(({ name, type }) =>
    new GatheredColumn(parquetColumn(name, type))
  );
  let pending: Uint8Array[] = [];
  const writer = new ParquetWriter({
    writer: new StreamingWriter((chunk) => pending.push(chunk)),
    schema: [
      { name: "root", num_children: group.length },
      ...group.map(({ column }) => column.element),
    ],
    codec: "SNAPPY",
    kvMetadata: [{ key: "source", value: options.title }],
    createdBy: "supabase-exports (hyparquet-writer)",
  });
  let rows = 0;
  let bytes = 0;
  // The start of a row the last block cut short, in a buffer reused for
  // each such row.
  let partial = new Uint8Array(1 << 16);
  let partialLength = 0;

  const writeGroup = () => {
    if (rows === 0) return;
    writer.write({
      columnData: group.map((gathered) => ({
        name: gathered.column.element.name,
        data: gathered.take(),
        // A text or hex value is a view of bytes the next group writes over:
        // statistics would keep it to the file's end.
        statistics: gathered.column.held !== "text" && gathered.column.held !== "hex",
      })),
      rowGroupSize: rows,
    });
    for (const gathered of group) gathered.release();
    rows = 0;
    bytes = 0;
  };

  /** Reads the whole rows of `block` from `at` into the group; returns where the rest starts. */
  const readRows = (block: Uint8Array, at: number): number => {
    for (let end = block.indexOf(newline, at); end !== -1; end = block.indexOf(newline, at)) {
      let start = at;
      for (let c = 0; c < group.length; c++) {
        let stop = block.indexOf(tab, start);
        if (stop === -1 || stop > end) stop = end;
        if ((c === group.length - 1) !== (stop === end)) {
          throw new Error(`a COPY row has ${stop === end ? "fewer" : "more"} values than columns`);
        }
        if (stop - start === 2 && block[start] === backslash && block[start + 1] === 0x4e) {
          group[c].pushNull();
        } else {
          group[c].push(block, start, stop);
        }
        start = stop + 1;
      }
      bytes += end - at;
      rows++;
      at = end + 1;
      if (rows >= groupRows || bytes >= groupBytes) writeGroup();
    }
    return at;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (pending.length === 0) {
        const next = await reader.read();
        if (next.done) {
          if (partialLength > 0) throw new Error("the COPY output ends inside a row");
          writeGroup();
          writer.finish();
          for (const chunk of pending) controller.enqueue(chunk);
          controller.close();
          return;
        }
        const block = next.value;
        let from = 0;
        if (partialLength > 0) {
          // The row cut short ends in this block, or goes on past it.
          const end = block.indexOf(newline);
          from = end === -1 ? block.length : end + 1;
          if (partialLength + from > partial.length) {
            partial = grown(partial, partialLength + from);
          }
          partial.set(block.subarray(0, from), partialLength);
          partialLength += from;
          if (end === -1) continue;
          readRows(partial.subarray(0, partialLength), 0);
          partialLength = 0;
        }
        const rest = readRows(block, from);
        if (rest < block.length) {
          if (block.length - rest > partial.length) partial = grown(partial, block.length - rest);
          partial.set(block.subarray(rest));
          partialLength = block.length - rest;
        }
      }
      for (const chunk of pending) controller.enqueue(chunk);
      pending = [];
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });
}
