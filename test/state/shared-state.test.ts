import { randomBytes } from 'node:crypto';
import t from 'tap';
import { connectRedisState } from '../../src/state/redis-state.js';
import { createMemoryState, type SharedState } from '../../src/state/shared-state.js';

// The same contract for both implementations. Redis runs when REDIS_URL is set or one answers on
// 127.0.0.1:6379; otherwise that half is skipped (the in-process one always runs).

async function redisOrNull(): Promise<SharedState | null> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  try {
    return await connectRedisState(url, { keyPrefix: `pledge-test:${randomBytes(6).toString('hex')}:` });
  } catch {
    return null;
  }
}

const contract = (name: string, make: () => Promise<SharedState | null>) =>
  t.test(name, async (t) => {
    const state = await make();
    if (!state) return void t.comment('no Redis reachable: skipped');
    t.teardown(() => state.close());

    await state.set('a', '1', 60_000);
    t.equal(await state.get('a'), '1');
    t.equal(await state.get('missing'), null);

    await state.setMany([
      { key: 'm1', value: 'one', ttlMs: 60_000 },
      { key: 'm2', value: 'two', ttlMs: 60_000 },
      { key: 'a', value: 'overwritten', ttlMs: 60_000 },
    ]);
    t.same(await Promise.all(['m1', 'm2', 'a'].map((k) => state.get(k))), ['one', 'two', 'overwritten']);
    await state.setMany([]);

    await state.setMany([{ key: 'short', value: 'x', ttlMs: 40 }]);
    t.equal(await state.get('short'), 'x');
    await new Promise((r) => setTimeout(r, 120));
    t.equal(await state.get('short'), null, 'each entry keeps its own TTL');

    t.equal(await state.setIfAbsent('nx', 'first', 60_000), true);
    t.equal(await state.setIfAbsent('nx', 'second', 60_000), false);
    t.equal(await state.get('nx'), 'first');
    await state.del('nx');
    t.equal(await state.get('nx'), null);
  });

contract('in-process state', async () => createMemoryState());
contract('Redis state', redisOrNull);
