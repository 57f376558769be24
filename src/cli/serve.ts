/** `posterior serve`: the service itself, configured by its usual environment variables. */
import { expectPositionals, integerOption, type CommandLine } from './args.js';

/** How often a server started by npm checks that its parent is still there. */
const PARENT_CHECK_MS = 500;

export async function serveCommand(line: CommandLine, env: NodeJS.ProcessEnv): Promise<void> {
  expectPositionals(line.positionals.slice(1), [], 'posterior serve [--port N] [--host H] [--database sqlite:PATH]');
  const port = integerOption(line.options.port, 'port', 0, 65535);
  if (port !== undefined) env.PORT = String(port);
  if (typeof line.options.host === 'string') env.HOST = line.options.host;
  if (typeof line.options.database === 'string') env.DATABASE_URL = line.options.database;
  // The server runs in this process: it reads its configuration when it is imported, and
  // runs until a signal.
  await import('../server.js');
  // npm (and yarn and pnpm) set npm_lifecycle_event for what they run.
  if (env.npm_lifecycle_event !== undefined) stopWhenParentExits(PARENT_CHECK_MS);
}

/**
 * `npx posterior serve` runs as npm → `sh -c` → this process. On SIGTERM or SIGINT npm
 * signals the shell only, and the shell exits without passing the signal on, so the server
 * would run on with no one to stop it. Under npm, then, the server stops as on SIGTERM once
 * its parent is gone (its parent pid changes to whoever adopts it). Started otherwise (a
 * service manager, `nohup`), it outlives its parent as a server should.
 */
function stopWhenParentExits(everyMs: number): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.stderr.write(`posterior serve: the process that started it (pid ${parent}) has exited; stopping\n`);
    process.kill(process.pid, 'SIGTERM');
  }, everyMs);
  timer.unref();
}
