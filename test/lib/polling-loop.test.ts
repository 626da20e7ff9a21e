import t from 'tap';
import { createPollingLoop } from '../../src/lib/polling-loop.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('the first tick waits for the interval', async (t) => {
  let calls = 0;
  const loop = createPollingLoop(async () => ++calls, () => {});
  loop.start(60_000);
  await sleep(50);
  t.equal(calls, 0);
  await loop.stop();
});

t.test('a backlog drains at once, a failing tick is reported and the loop goes on, one tick at a time', async (t) => {
  const backlog = [3, 2, 1];
  const errors: unknown[] = [];
  let calls = 0;
  let inTick = 0;
  let maxConcurrent = 0;
  const loop = createPollingLoop(async () => {
    calls += 1;
    inTick += 1;
    maxConcurrent = Math.max(maxConcurrent, inTick);
    try {
      if (calls === 2) throw new Error('partner down');
      await sleep(5);
      return backlog.shift() ?? 0;
    } finally {
      inTick -= 1;
    }
  }, (err) => errors.push(err));
  loop.start(1);
  await sleep(150);
  await loop.stop();
  t.same(backlog, [], 'the backlog drained');
  t.equal(errors.length, 1, 'the failing tick was reported');
  t.ok(calls >= 5, `kept going after the error (${calls} ticks)`);
  t.equal(maxConcurrent, 1, 'never two ticks at a time');
  const after = calls;
  await sleep(20);
  t.equal(calls, after, 'no tick after stop');
});

t.test('stop waits for the tick in flight', async (t) => {
  let finished = false;
  const loop = createPollingLoop(async () => {
    await sleep(60);
    finished = true;
    return 0;
  }, () => {});
  loop.start(1);
  await sleep(15); // inside the first tick
  await loop.stop();
  t.equal(finished, true);
});
