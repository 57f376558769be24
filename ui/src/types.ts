/** The wire shapes the dashboard reads (openapi.yaml's Study, Trial and model views). */
export type ParamValue = number | string | boolean;
export type ParamSpec =
  | { name: string; type: 'float' | 'int'; low: number; high: number; log?: boolean }
  | { name: string; type: 'ordinal'; values: number[] }
  | { name: string; type: 'categorical'; choices: ParamValue[] };
export type TrialState = 'pending' | 'completed' | 'failed' | 'stale' | 'stopped';
export type TrialCounts = Record<TrialState | 'total', number>;

export type Study = {
  id: string;
  name: string;
  parameters: ParamSpec[];
  objective: { goal: 'minimize' | 'maximize'; name?: string };
  options: { algorithm?: string; seed: number; initialTrials: number };
  state: string;
  createdAt: string;
  trialCounts: TrialCounts;
  lastActivityAt?: string;
};

export type Trial = {
  id: string;
  number: number;
  params: Record<string, ParamValue>;
  state: TrialState;
  source: string;
  value?: number;
  failureReason?: string;
  createdAt: string;
  completedAt?: string;
  prediction?: { mean: number; std: number };
  acquisition?: number;
  reports?: { step: number; value: number; at: string }[];
};

export type Incumbent = { trialId: string; number: number; params: Record<string, ParamValue>; value: number };
export type ModelSlice = { parameter: string; incumbent: Incumbent; observations: number; points: { value: ParamValue; mean: number; std: number }[] };
export type ModelContour = {
  x: string; y: string; incumbent: Incumbent; observations: number;
  xValues: ParamValue[]; yValues: ParamValue[]; mean: number[][]; std: number[][];
};
export type Importances = { method: string; observations: number; importances: { parameter: string; importance: number; lengthscale: number }[] };
