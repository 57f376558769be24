/** The examples that CI runs, against a live server that requires the API key they read from the environment. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Posterior, type Study } from '../../clients/typescript/index.js';
import { hasJq, hasPython, hasSklearn, pythonSourceEnv, startLiveServer, systemPython, type LiveServer } from './live-server.js';

const run = promisify(execFile);
const python = hasPython();
const sklearn = python && hasSklearn();
const jq = hasJq();
const apiKey = 'examples-key';
let server: LiveServer;
let client: Posterior;

beforeAll(async () => {
  server = await startLiveServer({ API_KEYS: apiKey });
  client = new Posterior({ url: server.url, apiKey });
});
afterAll(() => server.stop());

/** The examples import the client as installed; here they get this checkout's (clients/python). */
const env = () => pythonSourceEnv({ ...process.env, POSTERIOR_URL: server.url, POSTERIOR_API_KEY: apiKey });

async function studyNamed(name: string): Promise<Study> {
  const { studies } = await client.listStudies();
  const study = studies.find((s) => s.name === name);
  if (!study) throw new Error(`no study named ${name}`);
  return study;
}

/** The examples create their studies by name: a test that reruns one starts from none. */
async function deleteStudyNamed(name: string): Promise<void> {
  const { studies } = await client.listStudies();
  for (const study of studies.filter((s) => s.name === name)) await client.deleteStudy(study.id);
}

test.skipIf(!python)('quickstart.py runs a complete loop, reporting every epoch so that ASHA stops some trials, and prints the best trial', async () => {
  await deleteStudyNamed('quickstart');
  const { stdout } = await run(systemPython, ['examples/python/quickstart.py'], { env: env(), timeout: 60_000 });
  const study = await studyNamed('quickstart');
  const counts = study.trialCounts;
  expect(counts).toMatchObject({ pending: 0, failed: 0 });
  expect(counts.completed + counts.stopped).toBe(20);
  expect(counts.stopped).toBeGreaterThan(0);
  for (const trial of await client.allTrials(study.id, 'stopped')) {
    const { reports } = await client.getTrial(study.id, trial.id);
    // Stopped at one of ASHA's rungs (minStep 2, η 3, maxStep 20), at the value reported there.
    expect([2, 6, 18]).toContain(reports!.at(-1)!.step);
    expect(reports!.at(-1)!.value).toBe(trial.value);
    expect(stdout).toMatch(new RegExp(`^trial +${trial.number}  loss .*  stopped after epoch ${reports!.at(-1)!.step}$`, 'm'));
  }
  const epochs = 20 * counts.completed;
  expect(stdout).toMatch(new RegExp(`^${counts.stopped} of 20 trials stopped early: \\d+ epochs trained of 400$`, 'm'));
  expect(Number(/(\d+) epochs trained/.exec(stdout)![1])).toBeGreaterThan(epochs);
  const best = await client.best(study.id);
  expect(stdout).toContain(`study ${study.id}: best loss `);
  expect(stdout).toContain(`(trial ${best.number})\n`);
}, 60_000);

// The example's model never fails, so this one's second training is made to raise.
const QUICKSTART_WITH_A_FAILURE = `
import sys
sys.path.insert(0, "examples/python")
import quickstart
train = quickstart.train_and_validate
calls = []
def flaky(params):
    calls.append(params)
    if len(calls) == 2:
        raise RuntimeError("diverged at epoch 3")
    return train(params)
quickstart.train_and_validate = flaky
quickstart.main()
`;

test.skipIf(!python)('quickstart.py prints the reason of a failed trial and goes on with the loop', async () => {
  await deleteStudyNamed('quickstart');
  const { stdout } = await run(systemPython, ['-c', QUICKSTART_WITH_A_FAILURE], { env: { ...env(), TRIALS: '3' }, timeout: 60_000 });
  const study = await studyNamed('quickstart');
  expect(study.trialCounts).toMatchObject({ failed: 1, pending: 0 });
  expect(study.trialCounts.completed + study.trialCounts.stopped).toBe(2);
  expect(stdout).toMatch(/^trial {3}1 {2}failed: diverged at epoch 3 {2}\{'lr': /m);
  expect(stdout).toMatch(/^trial {3}2 {2}loss /m);
  expect(stdout).toContain(`study ${study.id}: best loss `);
  await deleteStudyNamed('quickstart');
}, 60_000);

test.skipIf(!sklearn)('tune_sklearn.py tunes an SVM on digits: 15 trials, a best accuracy above 0.9', async () => {
  const { stdout } = await run(systemPython, ['examples/python/tune_sklearn.py'], { env: env(), timeout: 120_000 });
  const study = await studyNamed('svc-digits');
  expect(study.trialCounts).toMatchObject({ completed: 15, pending: 0 });
  const best = await client.best(study.id);
  // Sobol' points alone reach ~0.95 on this space; 0.9 leaves room for any seed.
  expect(best.value).toBeGreaterThan(0.9);
  expect(stdout).toMatch(/best 3-fold accuracy 0\.9\d{3}/);
}, 120_000);

test.skipIf(!python)('tune_pytorch.py compiles (it needs GPUs and is not run here)', async () => {
  await run(systemPython, ['-m', 'py_compile', 'examples/python/tune_pytorch.py', 'examples/python/worker_pool.py']);
});

const pytorchCheck = 'test/clients/python/tune_pytorch_check.py';

test.skipIf(!python)('tune_pytorch.py validates on images without the training augmentation, split alike in every worker', async () => {
  expect((await run(systemPython, [pytorchCheck, 'validation'], { env: env() })).stdout).toBe('validation: ok\n');
});

test.skipIf(!python)('tune_pytorch.py gives workers beyond the GPU count the GPUs in turn, and the CPU when there is none', async () => {
  expect((await run(systemPython, [pytorchCheck, 'devices'], { env: env() })).stdout).toBe('devices: ok\n');
});

test.skipIf(!python)("tune_pytorch.py's study with ASHA is valid, its training is a generator for tune, and a stopped trial counts as finished", async () => {
  const { stdout } = await run(systemPython, [pytorchCheck, 'early-stopping', server.url, apiKey], { env: env(), timeout: 60_000 });
  expect(stdout).toBe('early-stopping: ok\n');
}, 60_000);

test.skipIf(!python)("tune_pytorch.py's workers outlive one that dies mid-trial, whose trial is reported failed", async () => {
  const { stdout } = await run(systemPython, [pytorchCheck, 'crash', server.url, apiKey], { env: env(), timeout: 60_000 });
  expect(stdout).toBe('crash: ok\n');
}, 60_000);

test.skipIf(!jq)('examples/shell/loop.sh runs its curl + jq loop, reports epoch 1 of each trial, obeys a stop, and prints the best', async () => {
  const { stdout } = await run('bash', ['examples/shell/loop.sh'], { env: { ...env(), TRIALS: '6' }, timeout: 60_000 });
  const study = await studyNamed('shell-loop');
  expect(study.trialCounts).toMatchObject({ pending: 0, failed: 0 });
  expect(study.trialCounts.completed + study.trialCounts.stopped).toBe(6);
  // With one report per trial, the second trial on is stopped unless it is the best so far at epoch 1.
  expect(study.trialCounts.stopped).toBeGreaterThan(0);
  const trials = await client.allTrials(study.id);
  for (const t of trials) {
    const bowl = ((t.params.x as number) - 0.3) ** 2 + 0.5 * ((t.params.y as number) + 1) ** 2;
    expect(t.value).toBeCloseTo(t.state === 'stopped' ? bowl + 0.5 : bowl, 5);
    const { reports } = await client.getTrial(study.id, t.id);
    expect(reports?.map((r) => r.step)).toEqual([1]);
    if (t.state === 'stopped') expect(stdout).toMatch(new RegExp(`^trial ${t.number}  stopped after epoch 1, loss .*\\(rung 1 of bracket 0: `, 'm'));
  }
  expect(stdout).toContain(`best loss ${(await client.best(study.id)).value}`);
}, 60_000);

test.skipIf(!jq)('examples/shell/loop.sh without the API key prints the problem and exits 1', async () => {
  const err = await run('bash', ['examples/shell/loop.sh'], { env: { ...env(), POSTERIOR_API_KEY: '' } }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 1 });
  expect((err as { stderr: string }).stderr).toContain('UNAUTHORIZED (401)');
});
