/**
 * A real training run for bench:early-stopping: a one-hidden-layer network trained by
 * minibatch SGD with heavy-ball momentum and L2 weight decay, one epoch per call, scored by
 * its validation cross-entropy after each epoch.
 *
 * | symbol | shape  | meaning                                              |
 * |--------|--------|------------------------------------------------------|
 * | x      | p      | one input row                                        |
 * | W₁, b₁ | p × h, h | hidden layer; a = act(x W₁ + b₁), act tanh or ReLU |
 * | W₂, b₂ | h × k, k | output layer; z = a W₂ + b₂, softmax over k classes |
 * | η, μ, λ | scalars | learning rate, momentum, L2 coefficient             |
 * | B      | scalar | minibatch size (the last batch of an epoch may be smaller) |
 *
 * Per minibatch, with g the mean gradient of the cross-entropy over the batch:
 *   v ← μ v − η (g + λ W)   (λ on weights only, not biases),   W ← W + v.
 * Weights start N(0, gain²/fan_in), gain √2 for ReLU and 1 for tanh; biases and
 * velocities at 0. Rows are shuffled every epoch (Fisher–Yates) from the run's seed.
 *
 * The value of an epoch is the mean validation cross-entropy −log p(y | x), without the
 * penalty; a diverged network (non-finite or above VALIDATION_LOSS_CAP) scores the cap,
 * so the objective stays finite (chance level is ln 3 ≈ 1.10).
 */
import { createRng, type Rng } from '../../src/bo/rng.js';
import type { Dataset } from './spiral-data.js';

export type MlpSettings = {
  learningRate: number;
  l2: number;
  hidden: number;
  batchSize: number;
  momentum: number;
  activation: 'tanh' | 'relu';
};

export const VALIDATION_LOSS_CAP = 3;

export type Layer = { w: Float64Array; b: Float64Array; vw: Float64Array; vb: Float64Array; gw: Float64Array; gb: Float64Array };

function layer(fanIn: number, fanOut: number, gain: number, rng: Rng): Layer {
  const w = new Float64Array(fanIn * fanOut);
  const sd = gain / Math.sqrt(fanIn);
  for (let i = 0; i < w.length; i++) w[i] = sd * rng.normal();
  const zeros = (n: number) => new Float64Array(n);
  return { w, b: zeros(fanOut), vw: zeros(w.length), vb: zeros(fanOut), gw: zeros(w.length), gb: zeros(fanOut) };
}

/** z (k) ← softmax probabilities in place; returns log Σ exp(z) for the loss. */
function softmaxInPlace(z: Float64Array): number {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (let c = 0; c < z.length; c++) sum += z[c] = Math.exp(z[c]! - max);
  for (let c = 0; c < z.length; c++) z[c]! /= sum;
  return max + Math.log(sum);
}

/** The network's parameters with their gradient accumulators and momentum velocities. */
export type MlpNetwork = {
  layers: [hidden: Layer, output: Layer];
  /** Mean cross-entropy −log p(y | x) over the rows of `data` (no penalty, no cap). */
  meanLoss(data: Dataset): number;
  /** Adds row i of `data`'s gradient of its cross-entropy to each layer's gw, gb. */
  addGradient(data: Dataset, i: number): void;
};

/** A network for p inputs, h hidden units and k classes, its weights drawn from `rng`. */
export function mlpNetwork(p: number, h: number, k: number, activation: MlpSettings['activation'], rng: Rng): MlpNetwork {
  const relu = activation === 'relu';
  const l1 = layer(p, h, relu ? Math.SQRT2 : 1, rng.fork(1));
  const l2 = layer(h, k, 1, rng.fork(2));
  const pre = new Float64Array(h);
  const a = new Float64Array(h);
  const z = new Float64Array(k);
  const da = new Float64Array(h);

  /** Hidden activations (in `pre`, `a`) and output logits (in `z`) of row i of `data`. */
  const forward = (data: Dataset, i: number): void => {
    const off = i * p;
    for (let j = 0; j < h; j++) pre[j] = l1.b[j]!;
    for (let l = 0; l < p; l++) {
      const xl = data.x[off + l]!;
      const row = l * h;
      for (let j = 0; j < h; j++) pre[j]! += xl * l1.w[row + j]!;
    }
    for (let j = 0; j < h; j++) a[j] = relu ? Math.max(0, pre[j]!) : Math.tanh(pre[j]!);
    for (let c = 0; c < k; c++) z[c] = l2.b[c]!;
    for (let j = 0; j < h; j++) {
      const aj = a[j]!;
      const row = j * k;
      for (let c = 0; c < k; c++) z[c]! += aj * l2.w[row + c]!;
    }
  };

  return {
    layers: [l1, l2],
    meanLoss(data) {
      let total = 0;
      for (let i = 0; i < data.n; i++) {
        forward(data, i);
        const zy = z[data.y[i]!]!;
        total += softmaxInPlace(z) - zy; // −log p(y) = logΣexp(z) − z_y
      }
      return total / data.n;
    },
    addGradient(data, i) {
      forward(data, i);
      softmaxInPlace(z);
      z[data.y[i]!]! -= 1; // z is now ∂loss/∂logits = p − onehot(y)
      for (let j = 0; j < h; j++) {
        const aj = a[j]!;
        const row = j * k;
        let s = 0;
        for (let c = 0; c < k; c++) {
          l2.gw[row + c]! += aj * z[c]!;
          s += l2.w[row + c]! * z[c]!;
        }
        da[j] = relu ? (pre[j]! > 0 ? s : 0) : s * (1 - aj * aj);
      }
      for (let c = 0; c < k; c++) l2.gb[c]! += z[c]!;
      const off = i * p;
      for (let l = 0; l < p; l++) {
        const xl = data.x[off + l]!;
        const row = l * h;
        for (let j = 0; j < h; j++) l1.gw[row + j]! += xl * da[j]!;
      }
      for (let j = 0; j < h; j++) l1.gb[j]! += da[j]!;
    },
  };
}

/** One heavy-ball step on a layer from its accumulated gradient (a sum over `batch` rows), which it then clears. */
function momentumStep(ly: Layer, batch: number, { learningRate: eta, momentum: mu, l2: lambda }: MlpSettings): void {
  for (let i = 0; i < ly.w.length; i++) {
    ly.vw[i] = mu * ly.vw[i]! - eta * (ly.gw[i]! / batch + lambda * ly.w[i]!);
    ly.w[i]! += ly.vw[i]!;
    ly.gw[i] = 0;
  }
  for (let i = 0; i < ly.b.length; i++) {
    ly.vb[i] = mu * ly.vb[i]! - eta * (ly.gb[i]! / batch);
    ly.b[i]! += ly.vb[i]!;
    ly.gb[i] = 0;
  }
}

/**
 * A training run of `settings` on `train`, seeded by `seed` (initial weights, shuffles).
 * Each call of the returned function trains one more epoch and returns the validation loss.
 */
export function mlpTrainingRun(settings: MlpSettings, train: Dataset, validation: Dataset, seed: number): () => number {
  const rng = createRng(seed);
  const net = mlpNetwork(train.p, settings.hidden, train.classes, settings.activation, rng);
  const shuffle = rng.fork(3);
  const order = Int32Array.from({ length: train.n }, (_, i) => i);
  return () => {
    for (let i = train.n - 1; i > 0; i--) {
      const j = shuffle.int(0, i);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (let start = 0; start < train.n; start += settings.batchSize) {
      const end = Math.min(train.n, start + settings.batchSize);
      for (let r = start; r < end; r++) net.addGradient(train, order[r]!);
      for (const ly of net.layers) momentumStep(ly, end - start, settings);
    }
    const loss = net.meanLoss(validation);
    return Number.isFinite(loss) ? Math.min(loss, VALIDATION_LOSS_CAP) : VALIDATION_LOSS_CAP;
  };
}
