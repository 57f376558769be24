/**
 * The `pg` Pool for a `postgres://` DATABASE_URL. BIGINT (epoch ms, COUNT) and NUMERIC
 * (AVG, SUM) come back as JavaScript numbers, as SQLite gives them: every value the store
 * keeps is well inside 2^53. A pooled connection that dies (the server restarted) is
 * dropped by the pool, which opens new ones on demand: it recovers by itself.
 */
import pg from 'pg';

/** Connections per replica; the GP runs outside transactions, so few are busy at once. */
export const DEFAULT_POOL_SIZE = 10;

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}

export function createPgPool(url: string, options: { max?: number; onError?: (error: Error) => void } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? DEFAULT_POOL_SIZE,
    // A request waits at most this long for a connection before it is answered 503.
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection that the server closes emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', (error) => options.onError?.(error));
  return pool;
}

/** The database URL with its password hidden, for logs. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable)';
  }
}
