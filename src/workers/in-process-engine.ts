/**
 * The engine on the calling thread, with the same deadline and cancellation as the
 * worker pool but without its threads, queue or model cache: for tests and benchmarks
 * that want a deterministic, synchronous engine.
 */
import { suggestNext } from '../bo/engine.js';
import { modelView } from '../bo/model-view.js';
import type { Engine, ModelViewer } from '../domain/ports.js';
import { stopCheck } from './stop-check.js';

export const inProcessEngine: Engine = (input, call) =>
  suggestNext(input, {
    shouldStop: stopCheck({
      deadlineMs: call.deadlineMs,
      startedAt: performance.now(),
      now: () => performance.now(),
      cancelled: () => call.signal?.aborted ?? false,
    }),
  });

/** The model views on the calling thread, with the same deadline and cancellation (for tests). */
export const inProcessViewer: ModelViewer = (input, call) => {
  const stop = stopCheck({
    deadlineMs: call.deadlineMs,
    startedAt: performance.now(),
    now: () => performance.now(),
    cancelled: () => call.signal?.aborted ?? false,
  });
  return modelView(input, { shouldStop: () => stop('fit') });
};
