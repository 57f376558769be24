/**
 * The domain's `Store` on PostgreSQL through a `pg` Pool. A call outside a transaction takes
 * any pooled connection; a transaction holds one connection from BEGIN to COMMIT.
 *
 * NOTE: transactions run SERIALIZABLE and are retried from the start on a serialization
 * failure, a deadlock, or a unique violation (a concurrent insert of the same key): the
 * domain's callbacks read, check and write as if they ran one at a time, as SQLite runs
 * them, and stay free of effects other than `tx` so that a retry is safe (decision 0031).
 */
import type { Pool, PoolClient } from 'pg';
import type { Store, StoreTx } from '../../domain/ports.js';
import { migrationsApplied } from './migrator.js';
import { PgStatements, type Query } from './statements.js';
import { translatePgError } from './errors.js';
import { storeTxOf } from '../store-methods.js';

/** Attempts of one transaction before its last serialization failure is thrown. */
const MAX_ATTEMPTS = 12;
/** SQLSTATEs after which the whole transaction is run again. */
const RETRIED = new Set(['40001', '40P01', '23505']);

const queryOn =
  (target: Pool | PoolClient): Query =>
  async (text, values) => {
    try {
      return await target.query(text, values);
    } catch (error) {
      throw translatePgError(error);
    }
  };

export function pgStore(pool: Pool): Store {
  const outside = new PgStatements(queryOn(pool));

  async function attempt<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw translatePgError(error);
    }
    let broken = false;
    // A checked-out client whose server goes away emits 'error'; unheard, it would end the process.
    const onError = () => void (broken = true);
    client.on('error', onError);
    try {
      const query = queryOn(client);
      await query('BEGIN ISOLATION LEVEL SERIALIZABLE', []);
      try {
        const result = await fn(new PgStatements(query));
        await query('COMMIT', []);
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw error;
      }
    } catch (error) {
      broken ||= isConnectionLoss(error);
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  return {
    ...bindAll(outside),
    async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
      for (let n = 1; ; n++) {
        try {
          return await attempt(fn);
        } catch (error) {
          if (n >= MAX_ATTEMPTS || !RETRIED.has(sqlState(error))) throw error;
          // A short random wait, growing with each attempt, so that two losers do not collide again.
          await new Promise((r) => setTimeout(r, Math.random() * 2 * n));
        }
      }
    },
    async isReady(): Promise<boolean> {
      try {
        return await migrationsApplied(pool);
      } catch {
        return false;
      }
    },
  };
}

/** The statements' `StoreTx` methods as own properties, so that `{ ...store }` keeps them. */
function bindAll(statements: PgStatements): StoreTx {
  return storeTxOf((name, args) => (statements[name] as (...a: unknown[]) => Promise<unknown>).apply(statements, args));
}

/** The SQLSTATE of a database error; SERVICE_UNAVAILABLE for a lost connection (errors.ts). */
function sqlState(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : '';
}

const isConnectionLoss = (error: unknown): boolean => sqlState(error) === 'SERVICE_UNAVAILABLE';
