import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

export type DatabaseHandle = {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /** The schema everything lives in when not the default (tests isolate each file in its own). */
  schema?: string;
  close(): Promise<void>;
};

// int8 as a JS number on both dialects (minor units stay far below 2^53); node-pg would give a string.
const parseInt8 = (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${v} exceeds the safe integer range`);
  return n;
};

export async function connectPostgres(url: string, options: { max?: number; schema?: string } = {}): Promise<DatabaseHandle> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    types: { getTypeParser: (oid: number, format?: any) => (oid === 20 ? parseInt8 : pg.types.getTypeParser(oid, format)) } as any,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', ...(options.schema ? { schema: options.schema } : {}), close: () => db.destroy() };
}

/**
 * Embedded PostgreSQL (PGlite) under `dir`. PGlite has no cross-process locking and silently loses
 * committed rows when two processes open one directory, so we hold an exclusive lock file.
 */
export async function connectPglite(dir: string | 'memory://', options: { loadDataDir?: Blob } = {}): Promise<DatabaseHandle> {
  const { PGlite, types } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  let releaseLock = () => {};
  let target = dir;
  if (dir !== 'memory://') {
    const absolute = resolve(dir);
    mkdirSync(absolute, { recursive: true });
    releaseLock = acquireLock(join(absolute, 'pledge.lock'));
    target = join(absolute, 'pgdata');
  }
  try {
    const pglite = await PGlite.create(target, {
      parsers: { [types.INT8]: parseInt8 },
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite as any) });
    return {
      db,
      kind: 'pglite',
      close: async () => {
        await db.destroy();
        if (!pglite.closed) await pglite.close();
        releaseLock();
      },
    };
  } catch (err) {
    releaseLock();
    throw err;
  }
}

export class DataDirLockedError extends Error {
  constructor(path: string, pid: string) {
    super(`${path} is held by process ${pid}; two processes on one embedded database lose data. Stop it or use another DATA_DIR.`);
    this.name = 'DataDirLockedError';
  }
}

function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (err: any) {
      if (err.code !== 'EEXIST') throw err;
      const holder = readFileSync(path, 'utf8').trim();
      if (isAlive(Number(holder))) throw new DataDirLockedError(path, holder);
      unlinkSync(path); // stale lock from a crashed process
    }
  }
  throw new Error(`could not lock ${path}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: any) {
    return err.code === 'EPERM';
  }
}
