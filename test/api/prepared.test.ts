import { afterEach, expect, test } from 'vitest';
import { suggestNext } from '../../src/bo/engine.js';
import { recordingEngine, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(() => h.close());

const study = {
  name: 'prepared',
  parameters: [
    { name: 'x', type: 'float', low: 0, high: 1 },
    { name: 'y', type: 'float', low: 0, high: 1 },
  ],
  objective: { goal: 'minimize' },
  options: { seed: 9, initialTrials: 4 },
};
const f = (p: { x: number; y: number }) => (p.x - 0.2) ** 2 + (p.y - 0.7) ** 2;

function countingHarness() {
  const { calls, engine } = recordingEngine();
  h = startHarness({ engine });
  return calls;
}

async function loop(id: string, steps: number) {
  let last;
  for (let i = 0; i < steps; i++) {
    const { body } = await h.request.post(`/v1/studies/${id}/suggest`).send({});
    last = body.trials[0];
    await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: last.id, value: f(last.params) });
  }
  return last;
}

const settled = (id: string) => h.deps.studyLocks.run(id, async () => undefined);

test('after an observation the next suggestion is prepared in the background and handed out as is', async () => {
  const calls = countingHarness();
  const id = (await h.request.post('/v1/studies').send(study)).body.id;
  await loop(id, 6);
  await settled(id);
  const before = calls.length;
  const { body } = await h.request.post(`/v1/studies/${id}/suggest`).send({});
  expect(calls.length).toBe(before);
  expect(body.trials[0].source).toBe('gp-logei');

  // It is the point the engine gives for that snapshot, computed afresh.
  const again = suggestNext(calls.at(-1)!);
  expect(body.trials[0].params).toEqual(again.suggestions[0]!.params);
});

test('a prepared suggestion is dropped when another trial was leased in between, so pending trials are respected', async () => {
  const calls = countingHarness();
  const id = (await h.request.post('/v1/studies').send(study)).body.id;
  await loop(id, 6);
  await settled(id);
  const other = await h.request.post(`/v1/studies/${id}/suggest`).send({});
  const before = calls.length;
  const next = await h.request.post(`/v1/studies/${id}/suggest`).send({});
  expect(calls.length).toBe(before + 1);
  expect(calls.at(-1)!.pending).toContainEqual(other.body.trials[0].params);
  expect(next.body.trials[0].params).not.toEqual(other.body.trials[0].params);
});

test('nothing is prepared while other trials of the study are running', async () => {
  const calls = countingHarness();
  const id = (await h.request.post('/v1/studies').send(study)).body.id;
  await loop(id, 6);
  await settled(id);
  const { body } = await h.request.post(`/v1/studies/${id}/suggest`).send({ count: 2 });
  const before = calls.length;
  await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: body.trials[0].id, value: 0.5 });
  await settled(id);
  expect(calls.length).toBe(before);
});

test('a burst of observations queues one preparation, not one per observation', async () => {
  const { calls, engine } = recordingEngine(50);
  h = startHarness({ engine });
  const id = (await h.request.post('/v1/studies').send(study)).body.id;
  await loop(id, 5);
  await settled(id);
  const before = calls.length;
  // The study's turn is held during the burst, as a running suggestion would hold it, so
  // the count does not depend on how fast the machine serves the ten requests.
  await h.deps.studyLocks.run(id, () =>
    Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h.request.post(`/v1/studies/${id}/observe`).send({ params: { x: i / 10, y: 1 - i / 10 }, value: f({ x: i / 10, y: 1 - i / 10 }) }),
      ),
    ),
  );
  await settled(id);
  expect(calls.length - before).toBe(1);
});
