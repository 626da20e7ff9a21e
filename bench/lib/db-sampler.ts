import type pg from 'pg';

/**
 * Samples what the server's database sessions are doing (pg_stat_activity) every `everyMs`: the
 * average number of sessions per state and wait event, e.g. `active Lock:advisory` (queued behind a
 * lock), `idle in transaction Client:ClientRead` (a transaction waiting for the Node process).
 */
export function startDbSampler(db: pg.Client, database: string, everyMs = 250) {
  const totals = new Map<string, number>();
  let samples = 0;
  let maxLockWaiters = 0;
  const advisoryWaiters = new Map<string, number>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      const { rows } = await db.query<{ what: string; n: string }>(
        `select state || ' ' || coalesce(wait_event_type || ':' || wait_event, 'on CPU') as what, count(*) as n
           from pg_stat_activity
          where datname = $1 and pid <> pg_backend_pid() and state <> 'idle'
          group by 1`,
        [database],
      );
      let lockWaiters = 0;
      for (const r of rows) {
        totals.set(r.what, (totals.get(r.what) ?? 0) + Number(r.n));
        if (r.what.includes('Lock:')) lockWaiters += Number(r.n);
      }
      maxLockWaiters = Math.max(maxLockWaiters, lockWaiters);
      // Which advisory lock they queue on: one bigint key (objsubid 1) or two int keys (objsubid 2).
      const locks = await db.query<{ classid: number; objid: number; objsubid: number; waiting: string }>(
        `select l.classid::int8 as classid, l.objid::int8 as objid, l.objsubid, count(*) filter (where not l.granted) as waiting
           from pg_locks l join pg_database d on d.oid = l.database
          where l.locktype = 'advisory' and d.datname = $1
          group by 1, 2, 3`,
        [database],
      );
      for (const l of locks.rows) {
        const key =
          l.objsubid === 1
            ? `0x${((BigInt(l.classid) << 32n) | BigInt(l.objid)).toString(16)}`
            : `(0x${Number(l.classid).toString(16)}, ${l.objid})`;
        advisoryWaiters.set(key, (advisoryWaiters.get(key) ?? 0) + Number(l.waiting));
      }
      samples++;
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - started))));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop.catch(() => {});
      const average = Object.fromEntries(
        [...totals].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round((v / Math.max(1, samples)) * 100) / 100]),
      );
      const byKey = Object.fromEntries([...advisoryWaiters].map(([k, v]) => [k, Math.round((v / Math.max(1, samples)) * 100) / 100]));
      return { samples, average_sessions: average, max_sessions_waiting_on_a_lock: maxLockWaiters, average_waiters_by_advisory_key: byKey };
    },
  };
}

/** Counters of one database (pg_stat_database); the difference of two readings says what a run did. */
export async function databaseCounters(db: pg.Client, database: string) {
  await db.query('select pg_stat_clear_snapshot()');
  const { rows } = await db.query<Record<string, string>>(
    'select xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_fetched from pg_stat_database where datname = $1',
    [database],
  );
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
}

export function perUnit(before: Record<string, number>, after: Record<string, number>, units: number) {
  return Object.fromEntries(Object.keys(after).map((k) => [k, units > 0 ? Math.round(((after[k]! - (before[k] ?? 0)) / units) * 10) / 10 : null]));
}

/** Process ids of the sessions connected to `database` (the server's pool), except `exclude`. */
export async function sessionPids(db: pg.Client, database: string, exclude: number[]): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database]);
  return rows.map((r) => r.pid).filter((pid) => !exclude.includes(pid));
}
