// Wakes the exports worker: LISTEN on `exports_wake` (pg_cron and the SQL core notify it) and
// deliver a wake-up (the gateway's POST /functions/v1/exports-worker) for each notification,
// coalescing bursts so that at most one wake is in flight and one more is queued behind it.
import postgres from "postgres";

/** What the listener needs to reach the database and the worker. */
export interface WakeListenerOptions {
  databaseUrl: string;
  /** Delivers one wake-up to the worker; resolves with the worker's answer. */
  deliver: () => Promise<Response>;
}

/** The notification channel the SQL core uses to ask for a worker run. */
export const wakeChannel = "exports_wake";

/** Listens until `close()`; resolves once the LISTEN is in place. */
export async function startWakeListener(options: WakeListenerOptions): Promise<WakeListener> {
  const listener = new WakeListener(options);
  await listener.listen();
  return listener;
}

/** A LISTEN connection plus the coalescing waker behind it. */
export class WakeListener {
  #sql: postgres.Sql;
  #inFlight: Promise<void> | null = null;
  #queued = false;

  constructor(readonly options: WakeListenerOptions) {
    this.#sql = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
  }

  /** Subscribes to the channel. */
  async listen(): Promise<void> {
    await this.#sql.listen(wakeChannel, () => this.wake());
  }

  /** Asks for one worker run; a wake already queued absorbs this one. */
  wake(): void {
    if (this.#inFlight) {
      this.#queued = true;
      return;
    }
    this.#inFlight = this.#drain().finally(() => this.#inFlight = null);
  }

  /** Stops listening and waits for a wake in flight to finish. */
  async close(): Promise<void> {
    this.#queued = false;
    await this.#sql.end({ timeout: 5 });
    await this.#inFlight;
  }

  async #drain(): Promise<void> {
    do {
      this.#queued = false;
      await this.#postWake();
    } while (this.#queued);
  }

  async #postWake(): Promise<void> {
    try {
      const response = await this.options.deliver();
      await response.body?.cancel();
      if (!response.ok) console.error(`exports-worker wake answered ${response.status}`);
    } catch (error) {
      console.error("exports-worker wake failed:", error);
    }
  }
}
