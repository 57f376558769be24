/** An AbortSignal that fires when the client goes away before its response is sent. */
import type { Response } from 'express';

export function clientSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  // 'close' also fires after a response was sent in full; only an unfinished one means the client left.
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
