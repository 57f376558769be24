import type { KeyedMutex } from './keyed-mutex.js';
import type { Limits } from './limits.js';
import type { Clock, Store, StoreTx, StudyLock } from './ports.js';
import type { StudyModels } from './study-model.js';
import type { PreparedSuggestions } from './suggest/prepared-suggestions.js';
import type { Suggester } from './suggest/suggester.js';

/** What every use case is given: its ports, assembled once by the composition root. */
export type Deps = {
  store: Store;
  clock: Clock;
  suggester: Suggester;
  /** One turn at a time per study for suggest and prepare (domain/suggest.ts). */
  studyLocks: KeyedMutex;
  /** Turns across server processes (PostgreSQL); absent: one process, `studyLocks` suffices. */
  studyLock?: StudyLock;
  /** Suggestions computed after an observation, waiting for the next suggest. */
  prepared: PreparedSuggestions;
  /** Read-only views of a study's GP for the dashboard. */
  models: StudyModels;
  /** Bounds on what one request may ask for. */
  limits: Limits;
};

/**
 * What a helper that only reads and writes the store needs: `Deps` outside a transaction,
 * or the transaction's own view (`inTransaction`) inside one.
 */
export type StoreDeps = { store: StoreTx; clock: Clock };

/** Runs `fn` in one store transaction; `fn` gets the deps whose store is the transaction. */
export function inTransaction<T>(deps: Pick<Deps, 'store' | 'clock'>, fn: (tx: StoreDeps) => Promise<T>): Promise<T> {
  return deps.store.transaction((store) => fn({ store, clock: deps.clock }));
}
