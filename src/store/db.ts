/**
 * The SQL seam under the store: both adapters (PGlite embedded, PostgreSQL via pg) expose the same
 * three operations, so the store, its SQL and its migrations are shared word for word.
 */
export interface Db {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs several statements at once (migrations). No parameters. */
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
