/**
 * The domain's `Store` on PostgreSQL through a `pg` Pool. A call outside a transaction takes
 * any pooled connection; a transaction holds one connection from BEGIN to COMMIT.
 *
 * NOTE: a transaction locks the row of the study it touches (`FOR NO KEY UPDATE`) before its
 * first statement on it, so the transactions of one study run one at a time, as SQLite runs
 * all of them, while other studies' run alongside; under READ COMMITTED every statement after
 * the lock sees what the previous holder committed. SERIALIZABLE was tried first and failed
 * suggests with serialization errors under bench:load (decision 0031). A deadlock or a unique
 * key inserted concurrently (two creates of one name) retries the whole callback, which
 * touches nothing but `tx` and is safe to run again.
 */
import type { Pool, PoolClient } from 'pg';
import type { Store, StoreTx } from '../../domain/ports.js';
import type { Trial } from '../../domain/trial.js';
import { migrationsApplied } from './migrator.js';
import { PgStatements, type Query } from './statements.js';
import { translatePgError } from './errors.js';
import { storeTxOf } from '../store-methods.js';

/** Attempts of one transaction before its last failure is thrown. */
const MAX_ATTEMPTS = 8;
/** SQLSTATEs after which the whole transaction is run again: serialization failure, deadlock, unique violation. */
const RETRIED = new Set(['40001', '40P01', '23505']);

/** Methods whose first argument is not a study id: they lock no study. */
const NO_STUDY = new Set<keyof StoreTx>(['insertStudy', 'findStudyByName', 'listStudies', 'totals', 'claimQueuedTrial']);

/** The study a call touches, whose row the transaction locks before the call runs. */
function studyOf(name: keyof StoreTx, args: unknown[]): string | undefined {
  if (NO_STUDY.has(name)) return undefined;
  if (name === 'insertTrial' || name === 'updateTrial') return (args[0] as Trial).studyId;
  return typeof args[0] === 'string' ? args[0] : undefined;
}

/** The transaction's view: each study's row is locked before the first call that touches it. */
function lockingTx(statements: PgStatements, query: Query): StoreTx {
  const locked = new Set<string>();
  return storeTxOf(async (name, args) => {
    const studyId = studyOf(name, args);
    if (studyId !== undefined && !locked.has(studyId)) {
      await query('SELECT 1 FROM studies WHERE id = $1 FOR NO KEY UPDATE', [studyId]);
      locked.add(studyId);
    }
    return (statements[name] as (...a: unknown[]) => Promise<unknown>).apply(statements, args);
  });
}

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
      await query('BEGIN', []);
      try {
        const result = await fn(lockingTx(new PgStatements(query), query));
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
