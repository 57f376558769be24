/** `posterior serve`: the service itself, configured by its usual environment variables. */
import { expectPositionals, integerOption, type CommandLine } from './args.js';

export async function serveCommand(line: CommandLine, env: NodeJS.ProcessEnv): Promise<void> {
  expectPositionals(line.positionals.slice(1), [], 'posterior serve [--port N] [--host H] [--database sqlite:PATH]');
  const port = integerOption(line.options.port, 'port', 0, 65535);
  if (port !== undefined) env.PORT = String(port);
  if (typeof line.options.host === 'string') env.HOST = line.options.host;
  if (typeof line.options.database === 'string') env.DATABASE_URL = line.options.database;
  // The server reads its configuration when it is imported, and runs until a signal.
  await import('../server.js');
}
