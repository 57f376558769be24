#!/usr/bin/env node
/**
 * `posterior`: the service's command line (`npx posterior --help`). Runs the server, or
 * talks to one at --url.
 *
 * Exit codes: 0 ok; 1 the API refused the request (4xx); 2 usage error;
 * 3 the server is unreachable or failed (5xx), or the backup failed.
 */
import { parseCommandLine, usage, UsageError } from './args.js';
import { backupCommand, CommandFailedError } from './backup.js';
import { ApiError, connect, UnreachableError } from './client.js';
import { importCommand } from './import.js';
import { migrateStorageCommand } from './migrate-storage.js';
import { formatProblem, type Out } from './output.js';
import { serveCommand } from './serve.js';
import { studiesCommand } from './studies.js';
import { studyControlCommand } from './study-control.js';
import { trialsCommand } from './trial-list.js';
import { watchCommand } from './watch.js';
import { bestCommand, exportCommand, observeCommand, reportCommand, suggestCommand } from './trials.js';

const exitCodes = { ok: 0, api: 1, usage: 2, unavailable: 3 } as const;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(argv: string[], env: NodeJS.ProcessEnv, out: Out, err: Out): Promise<number> {
  let json = argv.includes('--json');
  try {
    const line = parseCommandLine(argv, env);
    json = line.global.json;
    const command = line.positionals[0];
    if (line.help) {
      out.write(usage);
      return exitCodes.ok;
    }
    if (command === 'serve') {
      await serveCommand(line, env);
      return exitCodes.ok;
    }
    // Commands on the database itself, not through the API.
    if (command === 'backup' || command === 'migrate-storage') {
      await (command === 'backup' ? backupCommand(line, env, out) : migrateStorageCommand(line, out));
      return exitCodes.ok;
    }
    const api = connect(line.global);
    switch (command) {
      case 'studies':
        await studiesCommand(api, line, out, readStdin);
        break;
      case 'suggest':
        await suggestCommand(api, line, out);
        break;
      case 'observe':
        await observeCommand(api, line, out);
        break;
      case 'report':
        await reportCommand(api, line, out);
        break;
      case 'best':
        await bestCommand(api, line, out);
        break;
      case 'export':
        await exportCommand(api, line, out);
        break;
      case 'pause':
      case 'resume':
      case 'complete':
        await studyControlCommand(api, command, line, out);
        break;
      case 'trials':
        await trialsCommand(api, line, out);
        break;
      case 'watch':
        await watch(api, line, out);
        break;
      case 'import':
        await importCommand(api, line, out, readStdin);
        break;
      case undefined:
        throw new UsageError('a command is needed');
      default:
        throw new UsageError(`unknown command \`${command}\``);
    }
    return exitCodes.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`error: ${e.message}\nrun \`posterior --help\` for the commands and options\n`);
      return exitCodes.usage;
    }
    if (e instanceof ApiError) {
      if (json && e.problem) err.write(`${JSON.stringify(e.problem)}\n`);
      else err.write(`${formatProblem(e.status, e.problem)}\n`);
      return e.status >= 500 ? exitCodes.unavailable : exitCodes.api;
    }
    if (e instanceof CommandFailedError) {
      err.write(`error: ${e.message}\n`);
      return exitCodes.unavailable;
    }
    if (e instanceof UnreachableError) {
      err.write(`error: ${e.message}\nis the server running? start one with \`npx posterior serve\`\n`);
      return exitCodes.unavailable;
    }
    throw e;
  }
}

/** `watch` until Ctrl-C (or SIGTERM), which ends it with exit code 0. */
async function watch(api: ReturnType<typeof connect>, line: ReturnType<typeof parseCommandLine>, out: Out): Promise<void> {
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    // NOTE: NO_COLOR set to anything but the empty string turns colours off (no-color.org).
    await watchCommand(api, line, { ...out, isTTY: process.stdout.isTTY === true, color: !process.env.NO_COLOR }, stop.signal);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

const stdout: Out = { write: (text) => void process.stdout.write(text) };
const stderr: Out = { write: (text) => void process.stderr.write(text) };
// After `serve` the server's listening socket keeps the process alive until a signal.
process.exitCode = await main(process.argv.slice(2), process.env, stdout, stderr);
