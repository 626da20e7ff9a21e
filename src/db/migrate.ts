import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import * as m0001 from './migrations/0001_promise_path.js';
import * as m0002 from './migrations/0002_platform_webhooks.js';
import * as m0003 from './migrations/0003_seller_webhooks.js';
import * as m0004 from './migrations/0004_milestone_ledger.js';
import * as m0005 from './migrations/0005_milestone_sources.js';
import * as m0006 from './migrations/0006_compensation_ledger.js';
import * as m0007 from './migrations/0007_promise_outcomes.js';
import * as m0008 from './migrations/0008_breaches.js';
import * as m0009 from './migrations/0009_repair_sagas.js';
import * as m0010 from './migrations/0010_compensation_policy.js';
import * as m0012 from './migrations/0012_replays.js';
import * as m0013 from './migrations/0013_learning.js';
import * as m0014 from './migrations/0014_outcome_slack.js';
import * as m0011 from './migrations/0011_journal_anchoring.js';
import * as m0015 from './migrations/0015_broken_promise_cost.js';
import * as m0016 from './migrations/0016_label_void.js';
import * as m0017 from './migrations/0017_journal_created_index.js';

/** Every migration, in order. A static map (not a folder scan) so tsx, tsc output and bundles agree. */
export const migrations: Record<string, Migration> = {
  '0001_promise_path': m0001,
  '0002_platform_webhooks': m0002,
  '0003_seller_webhooks': m0003,
  '0004_milestone_ledger': m0004,
  '0005_milestone_sources': m0005,
  '0006_compensation_ledger': m0006,
  '0007_promise_outcomes': m0007,
  '0008_breaches': m0008,
  '0009_repair_sagas': m0009,
  '0010_compensation_policy': m0010,
  '0012_replays': m0012,
  '0013_learning': m0013,
  '0014_outcome_slack': m0014,
  '0011_journal_anchoring': m0011,
  '0015_broken_promise_cost': m0015,
  '0016_label_void': m0016,
  '0017_journal_created_index': m0017,
};

// Kysely looks for its bookkeeping tables across all schemas; name ours when it is not the default.
export function migrator(db: Kysely<any>, schema?: string): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations }, ...(schema ? { migrationTableSchema: schema } : {}) });
}

export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<MigrationResultSet> {
  return retryingForeignSchemaDrops(schema, async () => {
    const result = await migrator(db, schema).migrateToLatest();
    if (result.error) throw result.error;
    return result;
  });
}

/** True when every known migration has been applied (used by /readyz). */
export async function migrationsCurrent(db: Kysely<any>, schema?: string): Promise<boolean> {
  const applied = await retryingForeignSchemaDrops(schema, () => migrator(db, schema).getMigrations());
  return applied.every((m) => m.executedAt !== undefined);
}

/**
 * Kysely's migrator introspects every schema of the database (`has_schema_privilege` by name), so a
 * schema someone else drops at that moment fails it with 3F000 naming *their* schema (seen when test
 * files share one PostgreSQL, one throwaway schema each). Our side is idempotent (the migrator locks and
 * records what it applied), so such a failure is retried; one naming our own schema is not.
 */
export async function retryingForeignSchemaDrops<T>(schema: string | undefined, run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      const isForeignSchemaGone = e.code === '3F000' && !(schema !== undefined && typeof e.message === 'string' && e.message.includes(`"${schema}"`));
      if (!isForeignSchemaGone || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
    }
  }
}
