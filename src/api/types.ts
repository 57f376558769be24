/**
 * The one alias file over the types generated from openapi.yaml
 * (`src/api/generated/openapi.ts`, never edited by hand). Wire names stay as they are.
 */
import type { components } from './generated/openapi.js';

type Schemas = components['schemas'];

export type StudyCreateBody = Schemas['StudyCreate'];
export type StudyBody = Schemas['Study'];
export type TrialBody = Schemas['Trial'];
export type SuggestBody = Schemas['SuggestRequest'];
export type ObserveBody = Schemas['ObserveRequest'];
export type ReportBody = Schemas['ReportRequest'];
export type StudyPatchBody = Schemas['StudyPatch'];
export type TrialEnqueueBody = Schemas['TrialEnqueue'];
export type ImportBody = Schemas['ImportRequest'];
export type TrialUpdateBody = Schemas['TrialUpdate'];
export type ProblemBody = Schemas['Problem'];
export type TrialStateWire = Schemas['TrialState'];
export type ModelSliceBody = Schemas['ModelSlice'];
export type ModelContourBody = Schemas['ModelContour'];
export type ParameterImportancesBody = Schemas['ParameterImportances'];
