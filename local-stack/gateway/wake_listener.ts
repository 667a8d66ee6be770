// Wakes the exports worker: LISTEN on `exports_wake` (pg_cron and the SQL core notify it) and
// deliver a wake-up (the gateway's POST /functions/v1/exports-worker) for the notifications,
// throttled: the first after a quiet spell at once, then at most one an interval.
import postgres from "postgres";

/** What the listener needs to reach the database and the worker. */
export interface WakeListenerOptions {
  databaseUrl: string;
  /** Delivers one wake-up to the worker; resolves with the worker's answer. */
  deliver: () => Promise<Response>;
  /**
   * The least time from the start of one wake-up to the start of the next, in milliseconds;
   * the notifications that arrive meanwhile are answered by one wake-up when it is over.
   */
  intervalMs: number;
}

/** The notification channel the SQL core uses to ask for a worker run. */
export const wakeChannel = "exports_wake";

/** Listens until `close()`; resolves once the LISTEN is in place. */
export async function startWakeListener(options: WakeListenerOptions): Promise<WakeListener> {
  const listener = new WakeListener(options);
  await listener.listen();
  return listener;
}

/**
 * A LISTEN connection plus the throttled waker behind it. Why throttled: the worker answers a
 * wake-up at once (202, its rounds go on in the background), and a wake-up during a round only
 * asks it for one more. Under a stream of requests, one wake-up a notification would start no
 * more work, but would cost the gateway and the worker an HTTP exchange for every request.
 */
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

  /** Asks for a wake-up: at once when none was started within the interval, else at its end. */
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
      const next = performance.now() + this.options.intervalMs;
      await this.#postWake();
      // Still in flight until the interval is over, so the notifications meanwhile only queue.
      const rest = next - performance.now();
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
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
