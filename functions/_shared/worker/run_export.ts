// Runs one slice of a claimed export: stages the export's rows as its user at
// its first claim, then writes the rows of the next slice from the staging
// table into the parts' resumable uploads, and records the checkpoint (or,
// after the last row, completes the export) while heartbeating. A canceled
// export stops at once; what it stored the cleanup purges.
import type postgres from "postgres";
import type { WorkerDb } from "../files/db_client.ts";
import { copyOutRows } from "../files/copy_out.ts";
import { exportFile } from "../files/export_file.ts";
import { joinBytes } from "../files/join_bytes.ts";
import {
  createSliceWriter,
  type PartEvent,
  type PartRecord,
  type SliceFormat,
  type WriterState,
} from "../files/slice_writer.ts";
import { type Column, type RawBatch, textRows } from "../files/text_rows.ts";
import { byteMeter } from "./byte_meter.ts";
import { openPartUpload, type PartUpload, type UploadState } from "./part_upload.ts";
import {
  type Checkpoint,
  type ClaimedExport,
  completeSlicedExport,
  failExport,
  headerStatement,
  heartbeat,
  partPath,
  recordSlice,
  sliceStatement,
  stageExport,
} from "./queue.ts";
import type { Slots } from "./slots.ts";
import { failureFor } from "./worker_failure.ts";
import { asWorker } from "./worker_transaction.ts";

/** Where the worker's uploads go: Storage's URL and the service role's key. */
export interface StorageTarget {
  /** `<SUPABASE_URL>/storage/v1`. */
  storageUrl: string;
  key: string;
}

/** How a worker runs exports. */
export interface RunSettings {
  workerId: string;
  leaseSeconds: number;
  /**
   * Milliseconds between heartbeats. The heartbeat is also how a run learns
   * that its export was canceled, so this is how long a canceled export's
   * statement may go on.
   */
  heartbeatMs: number;
  statementTimeout: string;
  /** Storage, which the parts are uploaded to. */
  storage: StorageTarget;
  /**
   * How long Storage may keep an upload waiting before the attempt fails as
   * storage_unavailable; default {@link defaultStorageTimeoutMs}.
   */
  storageTimeoutMs?: number;
  /** The folder of the PDF reports' fonts, in the worker's own folder (see pdf_writer.ts). */
  reportFonts?: URL;
  /**
   * Slots for exports whose writer lays out all their rows in memory in one
   * slice (PDF, Parquet, txt from a cursor): such an export waits for one,
   * heartbeating, so that those running at once fit the instance's memory.
   * None: no wait.
   */
  layoutSlots?: Slots;
}

/** Storage's default time to take the next chunk of an upload, or to answer it. */
export const defaultStorageTimeoutMs = 60_000;

/**
 * What became of one claim: the export completed, stopped (canceled, or its
 * lease lost), handed back after a slice (`sliced`: due again at once),
 * queued again after a failure, or failed.
 */
export type RunOutcome = "completed" | "stopped" | "sliced" | "queued" | "failed";

class Stopped extends Error {}

/** What a slice wrote. */
interface SliceResult {
  /** The export's last row was written: the parts are all complete. */
  last: boolean;
  /** The parts this slice completed. */
  parts: PartRecord[];
  /** The checkpoint to record when the slice was not the last. */
  checkpoint: SliceCheckpoint;
}

/** The checkpoint exports.record_slice writes. */
interface SliceCheckpoint {
  next_position: number;
  part: number;
  part_first_position: number;
  writer_state: WriterState | null;
  upload_state: UploadState | null;
}

/**
 * Runs one slice of `claim` with `db` (service role); calls `release` once
 * the slice's parts are uploaded, before its checkpoint is recorded (see
 * RunClaimed in claim_loop.ts).
 */
export async function runExport(
  db: WorkerDb,
  claim: ClaimedExport,
  settings: RunSettings,
  release: () => void = () => {},
): Promise<RunOutcome> {
  const stop = new AbortController();
  let rowsWritten = () => claim.checkpoint ? Number(claim.checkpoint.next_position) - 1 : 0;
  // Each heartbeat is sent once the one before it is answered, so a slow
  // database does not pile them up.
  let running = true;
  const sendHeartbeat = async () => {
    try {
      const alive = await heartbeat(
        db.sql,
        claim.export_id,
        settings.workerId,
        rowsWritten(),
        settings.leaseSeconds,
        claim.attempt,
      );
      if (!alive) stop.abort(new Stopped("the export was canceled or its lease was lost"));
    } catch (error) {
      console.error("exports worker: heartbeat failed", claim.export_id, error);
    }
    if (running && !stop.signal.aborted) beat = setTimeout(sendHeartbeat, settings.heartbeatMs);
  };
  let beat = setTimeout(sendHeartbeat, settings.heartbeatMs);
  let giveSlot = () => {};
  try {
    // A claim that is not staged stages first: the export's first claim, or
    // one whose staged rows a crash of Postgres emptied (stage_export then
    // starts it again, its parts forgotten).
    const checkpoint = claim.staged && claim.checkpoint
      ? claim.checkpoint
      : await stageExport(db.sql, claim, settings.workerId, settings.statementTimeout, stop.signal);
    if (!checkpoint) return "stopped";
    if (!sliceable(claim, checkpoint) && settings.layoutSlots) {
      giveSlot = await settings.layoutSlots.take(stop.signal);
    }
    const slice = await runSlice(db, claim, checkpoint, settings, stop.signal, (rows) => {
      rowsWritten = rows;
    });
    giveSlot();
    release();
    if (slice.last) {
      const completed = await completeSlicedExport(
        db.sql,
        claim.export_id,
        settings.workerId,
        claim.attempt,
        slice.parts,
      );
      return completed ? "completed" : "stopped";
    }
    const recorded = await recordSlice(
      db.sql,
      claim.export_id,
      settings.workerId,
      claim.attempt,
      slice.checkpoint,
      slice.parts,
    );
    return recorded ? "sliced" : "stopped";
  } catch (error) {
    // A stop that canceled the statement surfaces as the cancel's error.
    if (error instanceof Stopped || stop.signal.aborted) return "stopped";
    const failure = failureFor(error);
    console.error("exports worker: export failed", claim.export_id, failure.code, error);
    // The database may be what failed (a restart): the failure is recorded
    // once it is back, so that a retryable export is queued again now rather
    // than when its lease runs out.
    const status = await untilAnswered(
      () => failExport(db.sql, claim.export_id, settings.workerId, failure, claim.attempt),
      { withinMs: settings.leaseSeconds * 1_000, retryMs: failureRetryMs },
    );
    return status === "queued" ? "queued" : "failed";
  } finally {
    giveSlot();
    running = false;
    clearTimeout(beat);
  }
}

/**
 * Writes the slice that starts at the checkpoint: the next `rows_per_slice`
 * staged rows of a sliceable format, all of them for the others.
 */
async function runSlice(
  db: WorkerDb,
  claim: ClaimedExport,
  checkpoint: Checkpoint,
  settings: RunSettings,
  signal: AbortSignal,
  onRows: (rowsWritten: () => number) => void,
): Promise<SliceResult> {
  const from = Number(checkpoint.next_position);
  const staged = Number(checkpoint.staged_rows);
  const to = sliceable(claim, checkpoint)
    ? Math.min(from + Number(checkpoint.rows_per_slice) - 1, staged)
    : staged;
  const last = to >= staged;
  const uploads = new PartUploads(
    claim,
    settings,
    (part) => partPath(db.sql, claim.export_id, part),
    Number(checkpoint.part),
    checkpoint.upload_state,
  );
  try {
    // The staging table is read as the worker: the user's rights applied
    // when the rows were staged.
    return await asWorker(db.sql, { statementTimeout: settings.statementTimeout }, async (tx) => {
      const statement = await sliceStatement(tx, claim.export_id, from, to);
      // A report's layout (an XLSX's Summary sheet, a PDF's charts) is written
      // with all its lines at once, by the one-shot writers.
      if (!sliceable(claim, checkpoint)) {
        return await wholeFile(db, tx, claim, checkpoint, statement, uploads, signal, onRows);
      }
      const header = await headerBytes(db, tx, claim.export_id, signal);
      const writer = await createSliceWriter({
        format: claim.format as SliceFormat,
        compression: claim.compression,
        title: claim.source,
        partLimitBytes: claim.part_limit_bytes === null ? null : Number(claim.part_limit_bytes),
        header,
        firstPart: Number(checkpoint.part),
        state: checkpoint.writer_state,
        firstPosition: from,
      });
      let rows = 0;
      onRows(() => from - 1 + rows);
      const parts: PartRecord[] = [];
      const handle = async (events: PartEvent[]) => {
        for (const event of events) {
          if (event.kind === "bytes") await uploads.write(event.part, event.bytes);
          else parts.push(await uploads.finish(event.part));
        }
      };
      if (claim.statement_kind === "cursor") {
        let columns: readonly Column[] = [];
        const cursor = tx.unsafe(statement).raw().cursor(cursorBatchSize);
        for await (const batch of cursor) {
          signal.throwIfAborted();
          const texts = textRows(batch as unknown as RawBatch, columns);
          columns = texts.columns!;
          await handle(writer.write(texts));
          rows += batch.length;
        }
        // An export of no rows still has its header: a batch of none carries
        // the columns, described without running the statement.
        if (Number(checkpoint.staged_rows) === 0) {
          const described = await tx.unsafe(statement).describe();
          await handle(writer.write(Object.assign([], { columns: described.columns })));
        }
      } else {
        const copy = await copyOutRows(tx, statement, { afterCopy: db.resumeReads, signal });
        try {
          for await (const batch of copy.body) {
            signal.throwIfAborted();
            await handle(writer.write(batch));
            rows += batch.length;
          }
        } catch (error) {
          await copy.stop();
          throw error;
        }
      }
      const end = writer.end(last);
      await handle(end.events);
      const state = end.state;
      return {
        last,
        parts,
        checkpoint: {
          next_position: state.nextPosition,
          part: state.part,
          part_first_position: state.partFirstPosition,
          writer_state: state,
          upload_state: last ? null : await uploads.pause(state.part),
        },
      };
    });
  } catch (error) {
    await uploads.abandon();
    throw error;
  }
}

/** Whether the export is written in slices: its format's writer resumes, and it lays out no report. */
function sliceable(claim: ClaimedExport, checkpoint: Checkpoint): boolean {
  return claim.sliceable && !checkpoint.report;
}

/** Rows fetched per cursor round trip. */
const cursorBatchSize = 500;

/**
 * The file of a format that cannot stop between two rows (PDF, Parquet, txt
 * from a cursor): every staged row in one slice, through the one-shot writers,
 * into one part.
 */
async function wholeFile(
  db: WorkerDb,
  tx: postgres.TransactionSql,
  claim: ClaimedExport,
  checkpoint: Checkpoint,
  statement: string,
  uploads: PartUploads,
  signal: AbortSignal,
  onRows: (rowsWritten: () => number) => void,
): Promise<SliceResult> {
  const file = await exportFile(tx, {
    source: claim.source,
    format: claim.format,
    compression: claim.compression,
    statement,
    statement_kind: "cursor",
    row_limit: null,
    report: checkpoint.report,
  }, { afterCopy: db.resumeReads, signal, reportFonts: uploads.reportFonts });
  onRows(file.rowsWritten);
  const part = Number(checkpoint.part);
  try {
    const meter = byteMeter();
    const reader = file.body.pipeThrough(meter.stream).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      signal.throwIfAborted();
      await uploads.write(part, value);
    }
    const { size, sha256 } = await meter.measurement;
    const staged = Number(checkpoint.staged_rows);
    const record: PartRecord = {
      part,
      size,
      first_position: 1,
      last_position: staged,
      row_count: staged,
      sha256,
    };
    await uploads.finish(record);
    return {
      last: true,
      parts: [record],
      checkpoint: {
        next_position: staged + 1,
        part: part + 1,
        part_first_position: staged + 1,
        writer_state: null,
        upload_state: null,
      },
    };
  } catch (error) {
    await file.stop();
    throw error;
  }
}

/**
 * The bytes exports.header_statement gives (a CSV header line, a Markdown or
 * HTML table's header chunk), or null when the format has none.
 */
async function headerBytes(
  db: WorkerDb,
  tx: postgres.TransactionSql,
  exportId: string,
  signal: AbortSignal,
): Promise<Uint8Array | null> {
  const statement = await headerStatement(tx, exportId);
  if (statement === null) return null;
  const copy = await copyOutRows(tx, statement, { afterCopy: db.resumeReads, signal });
  const chunks: Uint8Array[] = [];
  for await (const batch of copy.body) chunks.push(...batch);
  return chunks.length === 0 ? null : joinBytes(chunks);
}

/**
 * The resumable uploads of a slice's parts: the checkpoint's part continues
 * its upload, each later part starts one of its own.
 */
class PartUploads {
  #current: { part: number; upload: PartUpload } | null = null;
  /** Uploads this slice started that the checkpoint does not know of. */
  #fresh: PartUpload[] = [];
  #firstFinished = false;

  constructor(
    readonly claim: ClaimedExport,
    readonly settings: RunSettings,
    readonly pathOf: (part: number) => Promise<string>,
    readonly firstPart: number,
    readonly firstState: UploadState | null,
  ) {}

  get reportFonts(): URL | undefined {
    return this.settings.reportFonts;
  }

  /** Appends `bytes` to part `part`'s upload. */
  async write(part: number, bytes: Uint8Array): Promise<void> {
    const upload = await this.#open(part);
    await upload.write(bytes);
  }

  /** Ends the upload of the part `record` describes: the object exists. */
  async finish(record: PartRecord): Promise<PartRecord> {
    const upload = await this.#open(record.part);
    await upload.finish();
    this.#current = null;
    if (record.part === this.firstPart) this.#firstFinished = true;
    return record;
  }

  /**
   * Sends what the upload of `part` (the part the next slice writes to)
   * buffers; its state for the checkpoint, or null when that part has no
   * upload yet.
   */
  async pause(part: number): Promise<UploadState | null> {
    if (this.#current?.part === part) return await this.#current.upload.pause();
    // No byte of the checkpoint's part in this slice: its upload stays where it was.
    if (part === this.firstPart && !this.#firstFinished) return this.firstState;
    return null;
  }

  /**
   * Deletes the uploads this slice started (the checkpoint knows nothing of
   * them); the checkpoint's own the next attempt resumes, or the cleanup deletes.
   */
  async abandon(): Promise<void> {
    for (const upload of this.#fresh) {
      await upload.abort().catch((error) =>
        console.error("exports worker: could not delete an unfinished upload", error)
      );
    }
  }

  async #open(part: number): Promise<PartUpload> {
    if (this.#current?.part === part) return this.#current.upload;
    const state = part === this.firstPart ? this.firstState : null;
    const upload = await openPartUpload(
      {
        storageUrl: this.settings.storage.storageUrl,
        key: this.settings.storage.key,
        bucket: this.claim.storage_bucket,
        path: await this.pathOf(part),
        contentType: this.claim.content_type,
      },
      state,
      { stallTimeoutMs: this.settings.storageTimeoutMs ?? defaultStorageTimeoutMs },
    );
    if (!state) this.#fresh.push(upload);
    this.#current = { part, upload };
    return upload;
  }
}

/** How often a failure that could not be recorded is sent again. */
const failureRetryMs = 500;

/**
 * `call`'s answer, calling it again every `retryMs` while it throws, for at
 * most `withinMs`; then its error.
 */
async function untilAnswered<T>(
  call: () => Promise<T>,
  { withinMs, retryMs }: { withinMs: number; retryMs: number },
): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() + retryMs >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
}
