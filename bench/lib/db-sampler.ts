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
      return { samples, average_sessions: average, max_sessions_waiting_on_a_lock: maxLockWaiters };
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
