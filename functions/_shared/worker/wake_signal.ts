// Wake-ups that arrive while a round runs: the claim loop waits for one when
// it has free slots, and the round runner asks whether one is still unanswered
// once the round ends.

/** A wake-up flag that a running round can wait for and answer. */
export class WakeSignal {
  #pending = false;
  #next = Promise.withResolvers<void>();

  /** Records a wake-up and resumes whoever waits for one. */
  notify(): void {
    this.#pending = true;
    this.#next.resolve();
    this.#next = Promise.withResolvers<void>();
  }

  /**
   * Answers the wake-ups so far: true when there was one since the last
   * call. Call it just before looking at the queue, which answers them.
   */
  take(): boolean {
    const pending = this.#pending;
    this.#pending = false;
    return pending;
  }

  /** Resolves at the next wake-up, or at once when one is unanswered. */
  next(): Promise<void> {
    return this.#pending ? Promise.resolve() : this.#next.promise;
  }
}
