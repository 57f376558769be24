/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` in a temporary folder
 * (owned by the `postgres` user when we run as root, as CI does: PostgreSQL refuses to run
 * as root), `pg_ctl start` on a free port, and `stop()` to stop it and remove the folder.
 * Debian's binaries are found under /usr/lib/postgresql/<version>/bin (or $PG_BIN).
 *
 * Without the binaries a suite skips with `unavailableReason` printed, except in CI
 * (CI=true), where `pgSuite` fails: .ci/run installs postgresql.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type Cluster = {
  port: number;
  /** A URL of the cluster's `postgres` database (superuser, trust authentication). */
  adminUrl: string;
  /** A new empty database on the cluster, and its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server at once (as a crash would) or cleanly, leaving the data folder. */
  stopServer(mode?: 'immediate' | 'fast'): void;
  startServer(): void;
  stop(): void;
};

/** The folder of initdb and pg_ctl, or undefined. */
export function postgresBin(): string | undefined {
  if (process.env.PG_BIN) return existsSync(join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** Why the PostgreSQL suites cannot run here, or undefined when they can. */
export function unavailableReason(): string | undefined {
  if (!postgresBin()) return 'PostgreSQL binaries not found (apt-get install postgresql, or set PG_BIN)';
  if (process.getuid?.() === 0 && !userExists('postgres')) return 'running as root and there is no postgres user to run the server as';
  return undefined;
}

function userExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary, as the postgres user when we are root. */
function runPg(bin: string, tool: string, args: string[]): void {
  const path = join(bin, tool);
  if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', path, ...args], { stdio: 'pipe', cwd: '/' });
  else execFileSync(path, args, { stdio: 'pipe' });
}

/**
 * Starts a cluster. `durable: false` (tests) turns fsync off, which only matters if the
 * machine itself crashes; `durable: true` (benchmarks) keeps PostgreSQL's defaults.
 */
export async function startCluster(options: { durable?: boolean } = {}): Promise<Cluster> {
  const bin = postgresBin();
  if (!bin) throw new Error(unavailableReason());
  const dir = mkdtempSync(join(tmpdir(), 'posterior-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  runPg(bin, 'initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const settings = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c max_connections=200'];
  if (!options.durable) settings.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');
  const startServer = () => runPg(bin, 'pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'server.log'), '-o', settings.join(' ')]);
  const stopServer = (mode: 'immediate' | 'fast' = 'fast') => runPg(bin, 'pg_ctl', ['stop', '-w', '-D', data, '-m', mode]);
  startServer();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let n = 0;
  return {
    port,
    adminUrl,
    async createDatabase(name = `test_${process.pid}_${++n}`) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stopServer,
    startServer,
    stop() {
      try {
        stopServer('immediate');
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
