/** Worker-thread entry: runs the GP engine on a structured-cloned input. */
import { EngineError, suggestNext, type SuggestInput, type SuggestOutput } from '../bo/engine.js';

export type WorkerResult = { ok: true; output: SuggestOutput } | { ok: false; reason: EngineError['reason']; message: string };

/** EngineError is returned as a value: an error's own fields do not survive the thread boundary. */
export default function run(input: SuggestInput): WorkerResult {
  try {
    return { ok: true, output: suggestNext(input) };
  } catch (err) {
    if (err instanceof EngineError) return { ok: false, reason: err.reason, message: err.message };
    throw err;
  }
}
