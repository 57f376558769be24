/**
 * The engine's `shouldStop` (bo/engine.ts) for one call: stop once the call is
 * cancelled, or once its compute budget is spent. The fit may use the first half of the
 * budget; the acquisition search runs until the end of it, so that a slow fit still
 * leaves time to choose a point with the model it has.
 */
import type { EngineStage } from '../bo/engine.js';

/** Part of the budget the hyperparameter fit may use. */
export const FIT_SHARE = 0.5;

export function stopCheck(options: {
  /** Compute budget, ms. */
  deadlineMs: number;
  /** The monotonic clock (ms) at which the call started. */
  startedAt: number;
  now: () => number;
  cancelled: () => boolean;
}): (stage: EngineStage) => boolean {
  const { deadlineMs, startedAt, now, cancelled } = options;
  return (stage) => cancelled() || now() - startedAt > (stage === 'fit' ? FIT_SHARE * deadlineMs : deadlineMs);
}
