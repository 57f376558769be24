/**
 * A learning-curve simulator whose curves cross: the configurations that learn fastest
 * (a high learning rate, little regularization, Adam) lead at the first rungs and end
 * worse than slower ones, as a too-high learning rate does in real training.
 *
 * | symbol | range  | meaning                                                     |
 * |--------|--------|-------------------------------------------------------------|
 * | u      | [0, 1] | (log₁₀ lr + 4) / 4, lr ∈ [1e-4, 1]                           |
 * | r      | [0, 1] | regularization (dropout / 0.8, dropout ∈ [0, 0.8])           |
 * | w      | [0, 1] | (log₂ width − 4) / 5, width ∈ {16..512}                      |
 * | o      | choice | optimizer: sgd, momentum or adam                            |
 * | t      | 1..T   | epoch                                                       |
 *
 *   y(t) = f + (s − f)·exp(−t/τ) + σ·ε_t,   ε_t ~ N(0, 1) i.i.d., s = 1, σ = 0.01
 *   f = 0.15 + 0.9 (u − 0.4)² + 0.25 (r − 0.6)² + 0.3 (w − 0.7)² + f_o,  f_o = (0.03, 0, 0.06)
 *   τ = 8·exp(−3 (u − 0.4))·(0.5 + r)/1.1·(1.3 − 0.6 w)/0.88·m_o,   m_o = (1.6, 1, 0.5)
 * for o = (sgd, momentum, adam). So τ = 8 epochs at the best configuration (u = 0.4,
 * r = 0.6, w = 0.7, momentum), which ends near f = 0.15 + 0.85·e^(−27/8) ≈ 0.18 at T = 27;
 * u = 0.9, r = 0.1, w = 0.7, adam has τ ≈ 0.49 and f ≈ 0.50, and leads it up to epoch 7
 * (0.4975 against 0.5043), past both rungs 1 and 3 of ASHA with η = 3.
 */
import { createRng } from '../../src/bo/rng.js';

export type CrossingSettings = { learningRate: number; dropout: number; width: number; optimizer: 'sgd' | 'momentum' | 'adam' };

const OPTIMIZERS = { sgd: { offset: 0.03, tauFactor: 1.6 }, momentum: { offset: 0, tauFactor: 1 }, adam: { offset: 0.06, tauFactor: 0.5 } } as const;
export const CROSSING_START = 1;
export const CROSSING_NOISE = 0.01;

/** The curve's limit f and time constant τ (epochs) for a configuration, as in the module's table. */
export function crossingCurveShape(s: CrossingSettings): { final: number; tau: number } {
  const u = (Math.log10(s.learningRate) + 4) / 4;
  const r = s.dropout / 0.8;
  const w = (Math.log2(s.width) - 4) / 5;
  const o = OPTIMIZERS[s.optimizer];
  const final = 0.15 + 0.9 * (u - 0.4) ** 2 + 0.25 * (r - 0.6) ** 2 + 0.3 * (w - 0.7) ** 2 + o.offset;
  const tau = ((((8 * Math.exp(-3 * (u - 0.4)) * (0.5 + r)) / 1.1) * (1.3 - 0.6 * w)) / 0.88) * o.tauFactor;
  return { final, tau };
}

/** The noise-free value at epoch t. */
export function crossingCurveMean(s: CrossingSettings, t: number): number {
  const { final, tau } = crossingCurveShape(s);
  return final + (CROSSING_START - final) * Math.exp(-t / tau);
}

/** A run of the simulator: each call returns the next epoch's noisy value; the noise is seeded by `seed`. */
export function crossingCurveRun(s: CrossingSettings, seed: number): () => number {
  const noise = createRng(seed);
  let t = 0;
  return () => crossingCurveMean(s, ++t) + CROSSING_NOISE * noise.normal();
}
