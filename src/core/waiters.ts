// Waiting until something becomes true (a writer idle, partitions drained):
// the waiter re-checks its condition each time whoever can change it calls
// wake(), so a wake that comes too early or for someone else costs a check,
// never a missed or wrong result.
export class Waiters {
  private waiting: (() => void)[] = [];

  /** Wakes every waiter to re-check its condition. */
  wake(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }

  /**
   * Resolves true once `done()` holds (checked now and at each wake()), false
   * when `timeoutMs` passes first. `recheckMs` also re-checks on a timer, for
   * conditions that can change without a wake().
   */
  async until(done: () => boolean, timeoutMs = Infinity, recheckMs = Infinity): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (done()) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await this.next(Math.min(left, recheckMs));
    }
  }

  /** Resolves at the next wake(), or after `timeoutMs`. */
  private next(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = Number.isFinite(timeoutMs) ? setTimeout(resolve, timeoutMs) : undefined;
      this.waiting.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
