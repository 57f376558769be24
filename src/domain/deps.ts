import type { KeyedMutex } from './keyed-mutex.js';
import type { Clock, Store } from './ports.js';
import type { Suggester } from './suggester.js';

/** What every use case is given: its ports, assembled once by the composition root. */
export type Deps = { store: Store; clock: Clock; suggester: Suggester; studyLocks: KeyedMutex };
