/**
 * The data set the real training run of bench:early-stopping learns (mlp-training.ts):
 * three interleaved spiral arms in the plane, with distractor features and flipped labels
 * so that a wide, weakly regularized network overfits within the epochs it is given.
 * Generated in process from a fixed seed, so nothing is committed but this generator.
 *
 * For class c ∈ {0, 1, 2} and t ~ U(0, 1):
 *   angle = 2πc/3 + 3.5 t + 0.35 ε₁,  radius = 0.15 + 0.85 t,  (x₁, x₂) = radius · (cos angle, sin angle)
 *   x₃..x₆ ~ N(0, 0.5²) (no signal),  ε₁ ~ N(0, 1)
 *   with probability 0.08 the label is replaced by a uniformly drawn class (noise).
 */
import { createRng } from '../../src/bo/rng.js';

export type Dataset = {
  /** Row-major n × p inputs. */
  x: Float64Array;
  /** Class of each row, in 0..classes − 1. */
  y: Int32Array;
  n: number;
  p: number;
  classes: number;
};

/** The seed of the committed data set: changing it changes every bench:early-stopping number. */
export const SPIRAL_SEED = 20261201;
export const SPIRAL_TRAIN_SIZE = 256;
export const SPIRAL_VALIDATION_SIZE = 512;

const CLASSES = 3;
const FEATURES = 6;
const LABEL_NOISE = 0.08;

/** `n` points of the spiral problem drawn from `seed`. */
export function spiralDataset(n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = new Float64Array(n * FEATURES);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % CLASSES;
    const t = rng.uniform();
    const angle = (2 * Math.PI * c) / CLASSES + 3.5 * t + 0.35 * rng.normal();
    const radius = 0.15 + 0.85 * t;
    x[i * FEATURES] = radius * Math.cos(angle);
    x[i * FEATURES + 1] = radius * Math.sin(angle);
    for (let j = 2; j < FEATURES; j++) x[i * FEATURES + j] = 0.5 * rng.normal();
    y[i] = rng.uniform() < LABEL_NOISE ? rng.int(0, CLASSES - 1) : c;
  }
  return { x, y, n, p: FEATURES, classes: CLASSES };
}

/** The training and validation sets every bench:early-stopping run uses (drawn from SPIRAL_SEED and the seed after it). */
export function spiralSplits(): { train: Dataset; validation: Dataset } {
  return { train: spiralDataset(SPIRAL_TRAIN_SIZE, SPIRAL_SEED), validation: spiralDataset(SPIRAL_VALIDATION_SIZE, SPIRAL_SEED + 1) };
}
