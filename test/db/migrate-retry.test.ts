import t from 'tap';
import { retryingForeignSchemaDrops } from '../../src/db/migrate.js';

const schemaGone = (name: string) => Object.assign(new Error(`schema "${name}" does not exist`), { code: '3F000' });

t.test('a schema dropped by someone else during introspection is retried; ours, or another error, is not', async (t) => {
  let calls = 0;
  const flaky = async () => {
    calls += 1;
    if (calls < 3) throw schemaGone('t_someone_else');
    return 'migrated';
  };
  t.equal(await retryingForeignSchemaDrops('t_mine', flaky), 'migrated');
  t.equal(calls, 3);

  let ours = 0;
  await t.rejects(
    retryingForeignSchemaDrops('t_mine', async () => {
      ours += 1;
      throw schemaGone('t_mine');
    }),
    /t_mine/,
  );
  t.equal(ours, 1, 'our own schema missing is a real error');

  let other = 0;
  await t.rejects(
    retryingForeignSchemaDrops(undefined, async () => {
      other += 1;
      throw Object.assign(new Error('relation "x" does not exist'), { code: '42P01' });
    }),
  );
  t.equal(other, 1);

  let always = 0;
  await t.rejects(
    retryingForeignSchemaDrops(undefined, async () => {
      always += 1;
      throw schemaGone('t_gone');
    }, 3),
  );
  t.equal(always, 3, 'bounded');
});
