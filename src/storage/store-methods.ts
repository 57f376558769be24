/**
 * The names of the `StoreTx` methods, checked complete by the compiler: the engines build
 * their asynchronous views (a transaction's `tx`, the store outside one) from this list.
 */
import type { StoreTx } from '../domain/ports.js';

const methods: { [K in keyof StoreTx]: true } = {
  insertStudy: true,
  findStudy: true,
  findStudyByName: true,
  listStudies: true,
  setStudyState: true,
  updateStudyMetadata: true,
  deleteStudy: true,
  trialCounts: true,
  lastActivity: true,
  listTrials: true,
  allTrials: true,
  findTrial: true,
  findTrialsByIds: true,
  takenParamsKeys: true,
  nextTrialNumber: true,
  insertTrial: true,
  claimQueuedTrial: true,
  deleteQueuedTrial: true,
  trialWithParamsKey: true,
  updateTrial: true,
  bestTrial: true,
  studyModel: true,
  saveStudyModel: true,
  totals: true,
  trialReports: true,
  insertTrialReport: true,
  studyReports: true,
  rungValues: true,
  runningAverages: true,
  findIdempotencyKey: true,
  insertIdempotencyKey: true,
};

export const STORE_TX_METHODS = Object.keys(methods) as (keyof StoreTx)[];

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** A `StoreTx` whose every method is `call(name, args)`. */
export function storeTxOf(call: (name: keyof StoreTx, args: unknown[]) => Promise<unknown>): StoreTx {
  const view: Partial<Record<keyof StoreTx, AnyMethod>> = {};
  for (const name of STORE_TX_METHODS) view[name] = (...args: unknown[]) => call(name, args);
  return view as unknown as StoreTx;
}
