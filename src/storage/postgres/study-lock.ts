/**
 * The study's turn across replicas: a session advisory lock, `pg_advisory_lock(class, hashtext(studyId))`,
 * held on a connection of its own pool for one suggest batch, GP included, and released after
 * the batch's transaction committed. Waiters queue in PostgreSQL, in arrival order. The
 * lock's pool is separate from the store's, so that studies waiting for their turn never
 * starve the short transactions of a connection.
 *
 * If the connection dies while the lock is held (PostgreSQL restarted), the server drops the
 * lock; the batch's own transaction still refuses any point or key another replica took.
 */
import type { Pool } from 'pg';
import type { StudyLock } from '../../domain/ports.js';
import { translatePgError } from './errors.js';

/** First key of the two-key advisory locks on studies: a constant no other lock uses ('stdy'). */
export const STUDY_LOCK_CLASS = 0x73746479;

export function pgStudyLock(pool: Pool): StudyLock {
  return {
    async withStudyLock<T>(studyId: string, fn: () => Promise<T>): Promise<T> {
      let client;
      try {
        client = await pool.connect();
      } catch (error) {
        throw translatePgError(error);
      }
      // A checked-out client whose server goes away emits 'error'; unheard, it would end the process.
      let broken = false;
      const onError = () => void (broken = true);
      client.on('error', onError);
      try {
        await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [STUDY_LOCK_CLASS, studyId]);
      } catch (error) {
        client.off('error', onError);
        client.release(true);
        throw translatePgError(error);
      }
      try {
        return await fn();
      } finally {
        if (!broken) await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [STUDY_LOCK_CLASS, studyId]).catch(() => (broken = true));
        client.off('error', onError);
        client.release(broken);
      }
    },
  };
}
