// Rows of a raw cursor as Postgres writes its values in text. postgres.js
// would parse dates into JavaScript Dates, which hold neither `infinity`, BC
// dates nor years past 275760, and json into objects, whose numbers are
// doubles: the writers get each value's own text and its column's type instead.
import type { RowBatch } from "./xlsx_writer.ts";

/** A column as postgres.js describes it. */
export interface Column {
  name: string;
  type: number;
}

/** A batch of a `raw()` cursor: each row its values' bytes in column order. */
export type RawBatch = readonly (readonly (Uint8Array | null)[])[] & {
  readonly columns?: readonly Column[];
};

const decoder = new TextDecoder();

/**
 * `batch` as rows keyed by column name, each value its UTF-8 text (SQL null
 * stays null), carrying `columns` (the batch's own when it has them).
 */
export function textRows(batch: RawBatch, columns: readonly Column[]): RowBatch {
  const described = batch.columns ?? columns;
  const rows = batch.map((values) => {
    const row: Record<string, string | null> = {};
    for (let index = 0; index < described.length; index++) {
      const value = values[index];
      row[described[index].name] = value === null ? null : decoder.decode(value);
    }
    return row;
  });
  return Object.assign(rows, {
    columns: described.map(({ name, type }) => ({ name, type })),
  });
}
