/**
 * Remembers webhook deliveries that were handled, so a redelivery is answered without doing
 * the work again. Jira retries a failed delivery for up to about 30 minutes with the same
 * `X-Atlassian-Webhook-Identifier`, so ids are kept ~35 minutes by default.
 *
 * - An id is remembered only after its handler resolved; a handler that threw is forgotten,
 *   so Jira's retry is processed afresh.
 * - Concurrent deliveries of one id share the first one's in-flight promise.
 * - Bounded: beyond `maxEntries` the oldest ids are dropped first. In memory and per
 *   replica: a redelivery landing on another replica is caught by the next layer
 *   (one lifecycle per ticket; correlation of a message nothing awaits is harmless).
 */
export class DeliveryStore<T> {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Insertion order is expiry order, because every entry lives `ttlMs`. */
  private readonly handled = new Map<string, { readonly value: T; readonly expiresAt: number }>();
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {
    this.ttlMs = options.ttlMs ?? 35 * 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Runs `handle` once per id. `replayed` is true when the value comes from an earlier or
   * concurrent delivery of the same id rather than from this call's own `handle`.
   */
  async run(id: string, handle: () => Promise<T>): Promise<{ value: T; replayed: boolean }> {
    const remembered = this.lookup(id);
    if (remembered) return { value: remembered.value, replayed: true };
    const pending = this.inFlight.get(id);
    if (pending) return { value: await pending, replayed: true };

    const work = handle();
    this.inFlight.set(id, work);
    try {
      const value = await work;
      this.remember(id, value);
      return { value, replayed: false };
    } finally {
      this.inFlight.delete(id);
    }
  }

  /** Whether `id` was handled within the TTL. */
  has(id: string): boolean {
    return this.lookup(id) !== undefined;
  }

  get size(): number {
    this.prune();
    return this.handled.size;
  }

  private lookup(id: string): { value: T } | undefined {
    const entry = this.handled.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.handled.delete(id);
      return undefined;
    }
    return entry;
  }

  private remember(id: string, value: T): void {
    this.handled.delete(id);
    this.handled.set(id, { value, expiresAt: this.now() + this.ttlMs });
    this.prune();
  }

  private prune(): void {
    const now = this.now();
    for (const [id, entry] of this.handled) {
      if (entry.expiresAt > now && this.handled.size <= this.maxEntries) break;
      this.handled.delete(id);
    }
  }
}
