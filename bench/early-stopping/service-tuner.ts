/**
 * The service as a tuner for bench:early-stopping: the domain assembled as
 * test/support/harness.ts assembles it (a temporary SQLite file with every migration, the
 * in-process GP engine, a fake clock), without HTTP, and driven through the use cases a
 * worker's requests reach: createStudy, suggest, reportTrial, observe.
 *
 * NOTE: prepareNext (the suggestion computed after an observation when no other trial
 * runs) is not called: it hands out the very point suggest would compute from the same
 * snapshot, so it changes latency only, never a result.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Deps } from '../../src/domain/deps.js';
import { KeyedMutex } from '../../src/domain/keyed-mutex.js';
import { DEFAULT_LIMITS } from '../../src/domain/limits.js';
import { observe } from '../../src/domain/observe.js';
import type { EngineMetrics } from '../../src/domain/ports.js';
import { reportTrial } from '../../src/domain/report.js';
import type { Algorithm, EarlyStoppingDraft } from '../../src/domain/study.js';
import { createStudy } from '../../src/domain/study-lifecycle.js';
import { StudyModels } from '../../src/domain/study-model.js';
import { GpSuggester } from '../../src/domain/suggest/gp-suggester.js';
import { PreparedSuggestions } from '../../src/domain/suggest/prepared-suggestions.js';
import { StudySuggester } from '../../src/domain/suggest/study-suggester.js';
import { suggest } from '../../src/domain/suggest/suggest.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { applyMigrations } from '../../src/storage/sqlite/migrator.js';
import { sqliteStore } from '../../src/storage/sqlite/store.js';
import { inProcessEngine, inProcessViewer } from '../../src/workers/in-process-engine.js';
import type { CurveProblem } from './curve-problems.js';
import { StoppedTrialsSuggester, type StoppedTrialsVariant } from './stopped-trials.js';
import type { Tuner } from './worker-simulation.js';

export type ServiceSettings = {
  algorithm: Algorithm;
  rule: 'none' | 'asha' | 'median';
  stoppedTrials: StoppedTrialsVariant;
  /** Early-stopping settings other than the service's defaults (minStep, reductionFactor, mode). */
  earlyStopping?: Omit<EarlyStoppingDraft, 'rule' | 'maxStep'>;
};

/** What the service did besides its answers: GP engine calls, their time, and fallbacks. */
export type ServiceStats = { engineCalls: number; engineSeconds: number; suggestCalls: number; suggestMs: number; maxSuggestMs: number; fallbacks: number };

/** Simulated milliseconds per training step (the leases, 3600 s, never run out in a run). */
const STEP_MS = 1000;

/**
 * A study of `problem` on a fresh service whose database lives in `dbDir`; the study's seed
 * is `seed`. `close` removes the database.
 */
export async function serviceTuner(problem: CurveProblem, settings: ServiceSettings, seed: number, dbDir: string): Promise<{ tuner: Tuner; stats: ServiceStats; close(): void }> {
  const dir = mkdtempSync(join(dbDir, 'posterior-es-bench-'));
  const db = openDatabase(`sqlite:${join(dir, 'bench.db')}`);
  applyMigrations(db);
  const store = sqliteStore(db);
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => now };
  const stats: ServiceStats = { engineCalls: 0, engineSeconds: 0, suggestCalls: 0, suggestMs: 0, maxSuggestMs: 0, fallbacks: 0 };
  const metrics: EngineMetrics = {
    observeEngineCall: (seconds) => void ((stats.engineCalls += 1), (stats.engineSeconds += seconds)),
    countFallback: () => void (stats.fallbacks += 1),
  };
  const log = { warn: () => undefined };
  const gp = new GpSuggester({ metrics, log, engine: inProcessEngine, limits: DEFAULT_LIMITS });
  const suggester = new StoppedTrialsSuggester(new StudySuggester(gp), settings.stoppedTrials, (studyId) => store.studyReports(studyId));
  const deps: Deps = { store, clock, suggester, studyLocks: new KeyedMutex(), prepared: new PreparedSuggestions(), models: new StudyModels(inProcessViewer, DEFAULT_LIMITS), limits: DEFAULT_LIMITS };

  const earlyStopping: EarlyStoppingDraft = settings.rule === 'none' ? { rule: 'none' } : { rule: settings.rule, maxStep: problem.maxStep, ...settings.earlyStopping };
  const { study } = await createStudy(deps, {
    name: `${problem.name}-${seed}`,
    parameters: problem.space,
    objective: { goal: 'minimize' },
    options: { seed, algorithm: settings.algorithm, earlyStopping },
  });

  const tuner: Tuner = {
    async ask() {
      const t0 = performance.now();
      const [trial] = await suggest(deps, { studyId: study.id, count: 1 });
      const ms = performance.now() - t0;
      stats.suggestCalls++;
      stats.suggestMs += ms;
      stats.maxSuggestMs = Math.max(stats.maxSuggestMs, ms);
      return { id: trial!.id, params: trial!.params };
    },
    async report(id, step, value) {
      return (await reportTrial(deps, study.id, id, { step, value })).report.decision;
    },
    async complete(id, value) {
      await observe(deps, study.id, { trialId: id, value });
    },
    tick() {
      now += STEP_MS;
    },
  };
  return {
    tuner,
    stats,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
