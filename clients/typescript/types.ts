/**
 * The one alias file over the types generated from openapi.yaml
 * (`generated/openapi.ts`, never edited by hand; `npm run sdk:types` remakes it).
 * Wire names stay as they are.
 */
import type { components, paths } from './generated/openapi.js';

type Schemas = components['schemas'];

export type { paths };
export type StudyCreate = Schemas['StudyCreate'];
export type Study = Schemas['Study'];
export type StudyState = Schemas['StudyState'];
export type StudyPatch = Schemas['StudyPatch'];
export type Parameter = Schemas['Parameter'];
export type Trial = Schemas['Trial'];
export type TrialState = Schemas['TrialState'];
export type ParamValue = Schemas['ParamValue'];
export type Metadata = Schemas['Metadata'];
export type MetadataPatch = Schemas['MetadataPatch'];
export type ImportTrial = Schemas['ImportTrial'];
export type Problem = Schemas['Problem'];
export type FieldError = NonNullable<Problem['errors']>[number];
