/**
 * One async critical section per key: calls with the same key run one after another, in
 * arrival order; calls with different keys do not wait for each other.
 */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };
type Waiter<I, R> = { item: I; resolve: (value: R) => void; reject: (error: unknown) => void };

export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();
  /** Items waiting for the next turn of a `batch` key, which is already queued. */
  private readonly batches = new Map<string, Waiter<unknown, unknown>[]>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    // Forget the key once nothing is queued behind this call, so the map stays small.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /**
   * Like `run`, but calls that queue up behind the same key while it is held are served
   * together: `fn` gets every item that arrived before its turn came, and answers one
   * outcome per item, in order.
   */
  batch<I, R>(key: string, item: I, fn: (items: I[]) => Promise<Outcome<R>[]>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const waiting = this.batches.get(key);
      if (waiting) {
        waiting.push({ item, resolve, reject } as Waiter<unknown, unknown>);
        return;
      }
      const queue: Waiter<I, R>[] = [{ item, resolve, reject }];
      this.batches.set(key, queue as Waiter<unknown, unknown>[]);
      void this.run(key, async () => {
        this.batches.delete(key);
        try {
          const outcomes = await fn(queue.map((w) => w.item));
          queue.forEach((w, i) => {
            const outcome = outcomes[i];
            if (outcome?.ok) w.resolve(outcome.value);
            else w.reject(outcome ? outcome.error : new Error('batch answered fewer outcomes than items'));
          });
        } catch (err) {
          for (const w of queue) w.reject(err);
        }
      });
    });
  }

  /** Settles when every call running or queued now has finished (for a clean shutdown). */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  /** Keys with a call running or queued. */
  get size(): number {
    return this.tails.size;
  }
}
