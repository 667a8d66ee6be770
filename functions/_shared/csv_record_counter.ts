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
      // Jump from one byte that matters to the next with the native indexOf:
      // inside quotes only the closing quote does, outside a quote or a newline.
      let at = 0;
      while (at < chunk.length) {
        if (inQuotes) {
          const close = chunk.indexOf(quote, at);
          if (close === -1) break;
          inQuotes = false;
          at = close + 1;
          continue;
        }
        const open = chunk.indexOf(quote, at);
        const limit = open === -1 ? chunk.length : open;
        let end = chunk.indexOf(newline, at);
        while (end !== -1 && end < limit) {
          lines++;
          end = chunk.indexOf(newline, end + 1);
        }
        if (open === -1) break;
        inQuotes = true;
        at = open + 1;
      }
      controller.enqueue(chunk);
    },
  });
  return { stream, records: () => Math.max(lines - 1, 0) };
}
