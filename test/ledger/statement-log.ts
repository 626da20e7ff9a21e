import { type Kysely, type KyselyPlugin, PostgresQueryCompiler } from 'kysely';
import type { Database } from '../../src/db/database.js';

/**
 * The SQL of every statement run through the returned handle, in order (BEGIN and COMMIT are not
 * statements kysely compiles, so they do not appear): what a lock holder does while it holds it.
 */
export function statementLog(db: Kysely<Database>) {
  const compiler = new PostgresQueryCompiler();
  const statements: string[] = [];
  const plugin: KyselyPlugin = {
    transformQuery: ({ node, queryId }) => {
      statements.push(compiler.compileQuery(node, queryId).sql);
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  return { db: db.withPlugin(plugin), statements };
}

/** The statements after the first one matching `lock`, or null when none matched. */
export function afterLock(statements: readonly string[], lock: RegExp): string[] | null {
  const i = statements.findIndex((s) => lock.test(s));
  return i < 0 ? null : statements.slice(i + 1);
}

export const CHAIN_LOCK = /pg_advisory_xact_lock\(\$1::bigint\)/;
export const JOURNAL_LOCK = /pg_advisory_xact_lock\(\$1::int, hashtext\(\$2\)\)/;
