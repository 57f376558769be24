/**
 * compose.yaml cannot be started here (no container engine): this checks that what it says
 * matches the service as it is. Every replica runs the Dockerfile's command with an
 * environment that src/config.ts accepts and that names the compose PostgreSQL with its
 * own credentials; nginx's upstream names every replica at its port.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { repositoryRoot } from '../support/server-process.js';

const read = (file: string) => readFileSync(join(repositoryRoot, file), 'utf8');
type Service = { command?: string[]; environment?: Record<string, string>; image?: string; build?: string; volumes?: string[] };
const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const replicas = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

describe('compose.yaml', () => {
  test('has PostgreSQL, three replicas built from the Dockerfile, and a load balancer', () => {
    expect(compose.services.postgres?.image).toMatch(/^postgres:/);
    expect(replicas.map(([name]) => name)).toEqual(['replica1', 'replica2', 'replica3']);
    expect(compose.services.lb?.image).toMatch(/^nginx:/);
  });

  test("each replica runs the Dockerfile's CMD", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    for (const [, service] of replicas) expect(service.command).toEqual(JSON.parse(cmd!));
  });

  test('each replica has only settings src/config.ts reads, and they load', () => {
    const known = new Set([...read('src/config.ts').matchAll(/env\.([A-Z_]+)/g)].map((m) => m[1]));
    for (const [, service] of replicas) {
      for (const name of Object.keys(service.environment!)) expect(known, name).toContain(name);
      const config = loadConfig(service.environment, 1);
      expect(config.databaseUrl).toMatch(/^postgres:\/\//);
      expect(config.port).toBe(8080);
    }
  });

  test("the replicas' DATABASE_URL names the compose PostgreSQL with its user, password and database", () => {
    const env = compose.services.postgres!.environment!;
    for (const [, service] of replicas) {
      const url = new URL(service.environment!.DATABASE_URL!);
      expect([url.hostname, url.port, url.username, url.password, url.pathname]).toEqual(['postgres', '5432', env.POSTGRES_USER, env.POSTGRES_PASSWORD, `/${env.POSTGRES_DB}`]);
    }
  });

  test("nginx's upstream is every replica at its PORT, and the balancer mounts that file", () => {
    expect(compose.services.lb!.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
    const upstream = [...read('deploy/nginx.conf').matchAll(/^\s*server (\S+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(upstream).toEqual(replicas.map(([name, s]) => `${name}:${s.environment!.PORT}`));
  });
});
