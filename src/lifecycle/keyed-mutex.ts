/**
 * Serialises async work per key inside one process: `run('MLM-1', fn)` waits for every
 * earlier `run('MLM-1', …)` to settle first; different keys never wait for each other.
 * Entries are removed when their queue drains, so the map holds only keys in use.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with work running or queued; for tests and diagnostics. */
  get size(): number {
    return this.tails.size;
  }
}
