import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import * as m0001 from './migrations/0001_promise_path.js';

/** Every migration, in order. A static map (not a folder scan) so tsx, tsc output and bundles agree. */
export const migrations: Record<string, Migration> = {
  '0001_promise_path': m0001,
};

export function migrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await migrator(db).migrateToLatest();
  if (result.error) throw result.error;
  return result;
}

/** True when every known migration has been applied (used by /readyz). */
export async function migrationsCurrent(db: Kysely<any>): Promise<boolean> {
  const applied = await migrator(db).getMigrations();
  return applied.every((m) => m.executedAt !== undefined);
}
