/**
 * The domain's `Store` on SQLite. better-sqlite3 is synchronous and one connection serves
 * the process, so transactions are serialized in process: each waits for the one before to
 * commit (BEGIN IMMEDIATE … COMMIT around the awaited callback). A call outside a
 * transaction runs at once when none is open, and otherwise waits for it too: on the one
 * connection it would see, or join, the open transaction's uncommitted writes.
 */
import type { Store, StoreTx } from '../../domain/ports.js';
import { storeTxOf } from '../store-methods.js';
import type { SqliteDatabase } from './database.js';
import { SqliteStatements } from './statements.js';

export function sqliteStore(db: SqliteDatabase): Store {
  const statements = new SqliteStatements(db);
  const run = (name: keyof StoreTx, args: unknown[]): Promise<unknown> => {
    try {
      return Promise.resolve((statements[name] as (...a: unknown[]) => unknown)(...args));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const tx = storeTxOf(run);
  /** The last transaction queued; resolves (never rejects) when it has finished. */
  let tail: Promise<void> = Promise.resolve();
  let open = false;

  const transaction = <T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> => {
    const turn = tail.then(async () => {
      // IMMEDIATE takes the write lock up front: a read-then-write transaction cannot then
      // fail half-way with SQLITE_BUSY when another process writes to the same file.
      db.exec('BEGIN IMMEDIATE');
      open = true;
      try {
        const result = await fn(tx);
        db.exec('COMMIT');
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      } finally {
        open = false;
      }
    });
    tail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  };

  const outside = storeTxOf((name, args) => (open ? tail.then(() => run(name, args)) : run(name, args)));
  return {
    ...outside,
    transaction,
    isReady: () => Promise.resolve(statements.ready()),
  };
}
