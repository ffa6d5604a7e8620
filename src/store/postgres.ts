/** Production adapter: PostgreSQL through a pg Pool (DATABASE_URL). */
import pg from 'pg';
import { TourniquetError } from '../errors.js';
import type { Db } from './db.js';

type Client = Pick<pg.PoolClient, 'query'>;

function wrap(c: Client, transaction: Db['transaction']): Db {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      const res = await c.query(sql, params as unknown[]);
      return res.rows as T[];
    },
    async exec(sql: string) {
      await c.query(sql);
    },
    transaction,
    async close() {},
  };
}

export async function openPostgres(
  url: string,
  opts: {
    max?: number;
    /** Session settings for every connection (libpq `options`). */
    options?: string;
  } = {},
): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    ...(opts.options === undefined ? {} : { options: opts.options }),
  });
  // An idle client error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    const c = await pool.connect();
    c.release();
  } catch (e) {
    await pool.end();
    throw new TourniquetError('STORE_UNAVAILABLE', 'cannot connect to PostgreSQL (DATABASE_URL)', {
      retriable: true,
      cause: e,
    });
  }
  const transaction: Db['transaction'] = async (fn) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(
        wrap(client, () => Promise.reject(new TourniquetError('INTERNAL', 'nested transaction'))),
      );
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  };
  return { ...wrap(pool, transaction), close: () => pool.end() };
}
