/** What the benchmark scripts share: command-line flags, number formatting, a process pool. */
import { fork } from 'node:child_process';

/** The value after `--name` on the command line, if any. */
export function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** A regret for a table: 3 decimals from 0.01 up, else 2 significant digits in exponent form. */
export const fmt = (v: number): string => (v === 0 ? '0' : Math.abs(v) >= 0.01 ? v.toFixed(3) : v.toExponential(1));

/** True in a child forked by `runInProcesses`: it should serve tasks, not run `main`. */
export function servesTasks<T, R>(runTask: (task: T) => R): boolean {
  if (!process.argv.includes('--worker')) return false;
  process.on('message', (tasks: T[]) => {
    const results = tasks.map(runTask);
    process.send!(results, () => process.exit(0));
  });
  return true;
}

/**
 * Runs `tasks` in `jobs` child processes of the calling script (forked with `--worker`, so
 * the script must call `servesTasks` first), round-robin, and returns every result.
 */
export async function runInProcesses<T, R>(tasks: T[], jobs: number): Promise<R[]> {
  const chunks: T[][] = Array.from({ length: jobs }, () => []);
  tasks.forEach((t, i) => chunks[i % jobs]!.push(t));
  const results = await Promise.all(
    chunks
      .filter((c) => c.length > 0)
      .map(
        (chunk) =>
          new Promise<R[]>((resolve, reject) => {
            const child = fork(process.argv[1]!, ['--worker'], { execArgv: process.execArgv });
            child.once('message', (m) => resolve(m as R[]));
            child.once('error', reject);
            child.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
            child.send(chunk);
          }),
      ),
  );
  return results.flat();
}

/** True in a child forked by `runQueued`: it should serve tasks one at a time, not run `main`. */
export function servesQueuedTasks<T, R>(runTask: (task: T) => R | Promise<R>): boolean {
  if (!process.argv.includes('--queued-worker')) return false;
  process.on('message', (message: { task?: T }) => {
    if (message.task === undefined) return void process.disconnect();
    const task = message.task;
    Promise.resolve()
      .then(() => runTask(task))
      .then(
        (result) => process.send!(result),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  });
  return true;
}

/**
 * Runs `tasks` in `jobs` child processes of the calling script (forked with
 * `--queued-worker`, so the script must call `servesQueuedTasks` first), each given its next
 * task when it returns the last: tasks of very different lengths keep every child busy.
 * `onResult` sees each result as it arrives; the results come back in task order.
 */
export async function runQueued<T, R>(tasks: T[], jobs: number, onResult?: (result: R, done: number) => void): Promise<R[]> {
  const results: R[] = new Array<R>(tasks.length);
  let next = 0;
  let done = 0;
  const child = () =>
    new Promise<void>((resolve, reject) => {
      const proc = fork(process.argv[1]!, ['--queued-worker'], { execArgv: process.execArgv });
      let current = -1;
      const feed = () => {
        current = next < tasks.length ? next++ : -1;
        proc.send(current >= 0 ? { task: tasks[current] as object } : {});
      };
      proc.on('message', (m) => {
        results[current] = m as R;
        onResult?.(m as R, ++done);
        feed();
      });
      proc.once('error', reject);
      proc.once('exit', (code) => (code === 0 && current < 0 ? resolve() : reject(new Error(`worker exited with ${code} during task ${current}`))));
      feed();
    });
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, child));
  return results;
}
