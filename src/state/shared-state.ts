/**
 * The small slice of Redis Pledge uses for fast state shared across instances (quote cache, short
 * locks). Postgres stays the system of record: nothing here is ever the only copy of anything.
 */
export interface SharedState {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Several SET PX in one round trip (a Redis pipeline; not atomic: each entry stands alone). */
  setMany(entries: readonly StateEntry[]): Promise<void>;
  /** SET NX PX: true when this call created the key. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type StateEntry = { key: string; value: string; ttlMs: number };

/** In-process stand-in for one instance: bounded, with lazy expiry. Safe only when a single instance runs. */
export function createMemoryState(options: { maxEntries?: number; now?: () => number } = {}): SharedState {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const live = (key: string) => {
    const e = entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return e;
  };
  const put = (key: string, value: string, ttlMs: number) => {
    entries.delete(key); // re-insert so Map order approximates recency for eviction
    entries.set(key, { value, expiresAt: now() + ttlMs });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  };
  return {
    kind: 'memory',
    get: async (key) => live(key)?.value ?? null,
    set: async (key, value, ttlMs) => put(key, value, ttlMs),
    setMany: async (list) => {
      for (const e of list) put(e.key, e.value, e.ttlMs);
    },
    setIfAbsent: async (key, value, ttlMs) => {
      if (live(key)) return false;
      put(key, value, ttlMs);
      return true;
    },
    del: async (key) => {
      entries.delete(key);
    },
    ping: async () => {},
    close: async () => {
      entries.clear();
    },
  };
}
