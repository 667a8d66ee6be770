// Runs a COPY ... TO STDOUT statement on a postgres.js transaction as a web
// stream of blocks (copy_blocks.ts) that can be stopped part-way, leaving the
// transaction free to roll back.
//
// Destroying postgres.js's COPY stream does not end the COPY: the server goes
// on sending rows, postgres.js pauses the socket on each one it cannot push
// into the destroyed stream, and the transaction can neither finish nor roll
// back (postgres.js refuses any statement while a COPY is in progress). So a
// stop asks the server to cancel the statement and reads what it still sends,
// dropping it, until the cancel's error ends the stream.
import type { Readable } from "node:stream";
import { setImmediate } from "node:timers";
import type postgres from "postgres";
import { copyBlocks, copyRowBatches } from "./copy_blocks.ts";

/** A COPY being read. */
export interface CopyOut<T = Uint8Array> {
  /** The COPY's output, in blocks (or batches of rows). Canceling it stops the COPY (see `stop`). */
  body: ReadableStream<T>;
  /**
   * The rows received so far, a CSV header line included. The protocol sends
   * COPY TO STDOUT "always one per row" in CopyData messages (a change would
   * break the wire protocol), and postgres.js pushes each message's bytes into
   * the stream as one chunk: the rows are counted without reading a byte.
   */
  rows(): number;
  /**
   * Ends the COPY if it is still running and resolves once the connection has
   * nothing more of it to read, so the transaction's next statement (its
   * rollback) can run. Resolves at once for a COPY that has ended.
   */
  stop(): Promise<void>;
}

/** Options for {@link copyOut}. */
export interface CopyOutOptions {
  /** Called once the COPY's output has been read to its end or stopped (see db_client.ts). */
  afterCopy(): void;
  /**
   * Cancels the COPY while it starts. The server sends a COPY's start with
   * its first block of rows, so a slow source's COPY can run for long before
   * there is a stream to stop; once there is, canceling the stream stops it.
   */
  signal?: AbortSignal;
}

/** Starts `statement`, a COPY ... TO STDOUT, on `tx`, read in 64 KiB blocks. */
export function copyOut(
  tx: postgres.TransactionSql,
  statement: string,
  options: CopyOutOptions,
): Promise<CopyOut> {
  return startCopy(tx, statement, options, copyBlocks);
}

/**
 * Starts `statement`, a COPY ... TO STDOUT, on `tx`, read in batches of rows,
 * each row the bytes of one CopyData message: for writers that end a file
 * between two rows (slice_writer.ts).
 */
export function copyOutRows(
  tx: postgres.TransactionSql,
  statement: string,
  options: CopyOutOptions,
): Promise<CopyOut<Uint8Array[]>> {
  return startCopy(tx, statement, options, copyRowBatches);
}

async function startCopy<T>(
  tx: postgres.TransactionSql,
  statement: string,
  options: CopyOutOptions,
  read: (copy: Readable, size: undefined, onCancel: () => unknown) => ReadableStream<T>,
): Promise<CopyOut<T>> {
  options.signal?.throwIfAborted();
  const query = tx.unsafe(statement);
  const cancel = () => query.cancel();
  options.signal?.addEventListener("abort", cancel, { once: true });
  let copy: Awaited<ReturnType<typeof query.readable>>;
  try {
    copy = await query.readable();
  } finally {
    options.signal?.removeEventListener("abort", cancel);
  }
  // 'close' follows the end of the output and an error (a source's, a
  // timeout, the cancel's) alike; the socket may have been paused in the
  // read that carried either.
  const closed = new Promise<void>((resolve) => copy.once("close", resolve));
  let rows = 0;
  copy.on("data", () => rows++);
  closed.then(options.afterCopy);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      if (copy.destroyed) return await closed;
      // Drop what still comes; copyBlocks, which would pause the stream
      // again once its reader falls behind, no longer takes it.
      copy.removeAllListeners("data");
      copy.on("data", () => {});
      copy.resume();
      // What was already received flows out first: a COPY whose end was
      // among it has ended, and needs no cancel. A cancel sent after the end
      // could land on the connection's next statement.
      await new Promise((resolve) => setImmediate(resolve));
      if (!copy.readableEnded && !copy.destroyed) query.cancel();
      await closed;
    })();
  return { body: read(copy, undefined, stop), rows: () => rows, stop };
}
