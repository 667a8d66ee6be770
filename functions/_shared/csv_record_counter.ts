// Counts CSV records in COPY's CSV output as it streams, for progress and the
// final row count, without parsing: a newline ends a record only outside quotes.

const quote = 0x22;
const newline = 0x0a;

/** A pass-through stream that counts the CSV records (header excluded) in its bytes. */
export interface CsvRecordCounter {
  /** Put this in the pipeline; it forwards every chunk untouched. */
  stream: TransformStream<Uint8Array, Uint8Array>;
  /** Data records seen so far (the header line is not counted). */
  records(): number;
}

/**
 * Creates a counter for COPY ... (format csv, header). COPY quotes every value
 * that holds a newline and doubles embedded quotes, so toggling on each quote
 * byte tracks "inside a quoted value" exactly; UTF-8 never reuses these bytes.
 */
export function csvRecordCounter(): CsvRecordCounter {
  let inQuotes = false;
  let lines = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === quote) inQuotes = !inQuotes;
        else if (byte === newline && !inQuotes) lines++;
      }
      controller.enqueue(chunk);
    },
  });
  return { stream, records: () => Math.max(lines - 1, 0) };
}
