// A counted lock: at most `size` holders at once, the others waiting in turn.

/** Slots that runs take and give back; see {@link Slots.take}. */
export class Slots {
  #free: number;
  #waiting: { grant: () => void }[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError("a slot count must be 1 or more");
    this.#free = size;
  }

  /**
   * Waits for a free slot and returns the function that gives it back (once;
   * later calls do nothing). Rejects with `signal`'s reason if it aborts first.
   */
  take(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener("abort", abandon);
          let given = false;
          resolve(() => {
            if (given) return;
            given = true;
            this.#give();
          });
        },
      };
      const abandon = () => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        reject(signal!.reason);
      };
      if (this.#free > 0) {
        this.#free--;
        waiter.grant();
        return;
      }
      signal?.addEventListener("abort", abandon, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #give(): void {
    const next = this.#waiting.shift();
    if (next) next.grant();
    else this.#free++;
  }
}
