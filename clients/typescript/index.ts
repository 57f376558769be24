/** Posterior's TypeScript SDK: a typed client and the `tune` loop. */
export { Posterior, PosteriorError, PosteriorUnreachableError, type PosteriorOptions } from './client.js';
export { tune, type Objective, type Report, type TuneEnding, type TuneOptions, type TuneResult } from './tune.js';
export type {
  ImportTrial,
  Metadata,
  MetadataPatch,
  Parameter,
  ParamValue,
  paths,
  Problem,
  Study,
  StudyCreate,
  StudyPatch,
  StudyState,
  Trial,
  TrialState,
} from './types.js';
