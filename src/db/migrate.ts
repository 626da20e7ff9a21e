import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import * as m0001 from './migrations/0001_promise_path.js';

/** Every migration, in order. A static map (not a folder scan) so tsx, tsc output and bundles agree. */
export const migrations: Record<string, Migration> = {
  '0001_promise_path': m0001,
};

// Kysely looks for its bookkeeping tables across all schemas; name ours when it is not the default.
export function migrator(db: Kysely<any>, schema?: string): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations }, ...(schema ? { migrationTableSchema: schema } : {}) });
}

export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<MigrationResultSet> {
  const result = await migrator(db, schema).migrateToLatest();
  if (result.error) throw result.error;
  return result;
}

/** True when every known migration has been applied (used by /readyz). */
export async function migrationsCurrent(db: Kysely<any>, schema?: string): Promise<boolean> {
  const applied = await migrator(db, schema).getMigrations();
  return applied.every((m) => m.executedAt !== undefined);
}
