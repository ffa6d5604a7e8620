/**
 * Worker presence in the store (migration 13). Each running process beats into `workers`; a
 * process whose last beat is older than the dead-after bound is reaped by whichever live worker
 * looks next, in one statement: its row goes, its admission slots are freed, and the leases of the
 * tasks it was running or verifying end now, so the scheduler republishes them at once and their
 * next claim counts an interrupted attempt. Without this, a SIGKILLed worker's slots and leases
 * stayed taken for a whole lease (60 s), and the survivor made no call meanwhile (BENCHMARKS.md).
 *
 * Beats are on the database's clock: workers on machines whose clocks disagree still agree on who
 * is silent. The leases are cut to the reaper's `now`, the clock leases are kept on.
 */
import type { Db } from './db.js';
import type { Reaped } from './port.js';

export async function beatWorker(db: Db, worker: string): Promise<void> {
  await db.query(
    `INSERT INTO workers (id, started_at, beat_at) VALUES ($1, clock_timestamp(), clock_timestamp())
     ON CONFLICT (id) DO UPDATE SET beat_at = clock_timestamp()`,
    [worker],
  );
}

export async function reapWorkers(db: Db, deadAfterMs: number, now: string): Promise<Reaped> {
  // Data-modifying CTEs: one atomic statement. Two reapers at once serialise on the worker rows;
  // the second finds them gone and reaps nothing.
  const [r] = await db.query<{ workers: string[] | null; slots: number; tasks: number }>(
    `WITH dead AS (
       DELETE FROM workers WHERE beat_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000)
       RETURNING id),
     slots AS (DELETE FROM admission_slots s USING dead WHERE s.holder = dead.id RETURNING 1),
     held AS (
       UPDATE tasks t SET lease_until = $2 FROM dead
       WHERE t.holder = dead.id AND t.status IN ('running', 'verifying') AND t.lease_until > $2
       RETURNING 1)
     SELECT (SELECT array_agg(id) FROM dead) AS workers, (SELECT count(*)::int FROM slots) AS slots,
       (SELECT count(*)::int FROM held) AS tasks`,
    [deadAfterMs, now],
  );
  return { workers: r?.workers ?? [], slots: Number(r?.slots ?? 0), tasks: Number(r?.tasks ?? 0) };
}

/** A clean stop: the worker has drained (no lease, no slot), so it simply leaves. */
export async function retireWorker(db: Db, worker: string): Promise<void> {
  await db.query('DELETE FROM workers WHERE id = $1', [worker]);
}
