import { Redis } from 'ioredis';
import type { SharedState } from './shared-state.js';

export async function connectRedisState(url: string, options: { keyPrefix?: string } = {}): Promise<SharedState> {
  const redis = new Redis(url, {
    keyPrefix: options.keyPrefix ?? 'pledge:',
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  });
  await redis.connect();
  return {
    kind: 'redis',
    get: (key) => redis.get(key),
    set: async (key, value, ttlMs) => {
      await redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    },
    setMany: async (list) => {
      if (list.length === 0) return;
      const pipeline = redis.pipeline();
      for (const e of list) pipeline.set(e.key, e.value, 'PX', Math.max(1, Math.round(e.ttlMs)));
      // exec() resolves with per-command errors rather than throwing: surface the first one.
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0];
    },
    setIfAbsent: async (key, value, ttlMs) => (await redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK',
    del: async (key) => {
      await redis.del(key);
    },
    ping: async () => {
      await redis.ping();
    },
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
