import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { checkIntervalMs, createHttpServer, DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts } from '../../src/api/http-server.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let server: Server | undefined;
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = undefined;
  }
  h.close();
});

async function listen(timeouts: HttpTimeouts): Promise<number> {
  server = createHttpServer(h.app, timeouts);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Opens a raw TCP connection, sends `bytes` (maybe none), and resolves with what came back and when it closed. */
function rawSocket(port: number, bytes = ''): Promise<{ ms: number; received: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let received = '';
    const socket = connect(port, '127.0.0.1', () => {
      if (bytes) socket.write(bytes);
    });
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ ms: performance.now() - started, received }));
  });
}

describe('HTTP server', () => {
  test('takes its headers, request and keep-alive timeouts from the settings, with deliberate defaults', () => {
    h = startHarness();
    const custom = createHttpServer(h.app, { headersTimeoutMs: 2_000, requestTimeoutMs: 20_000, keepAliveTimeoutMs: 65_000 });
    expect([custom.headersTimeout, custom.requestTimeout, custom.keepAliveTimeout, custom.timeout]).toEqual([2_000, 20_000, 65_000, 0]);
    const defaults = createHttpServer(h.app);
    expect([defaults.headersTimeout, defaults.requestTimeout, defaults.keepAliveTimeout]).toEqual([10_000, 30_000, 5_000]);
    expect(DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs).toBeGreaterThanOrEqual(DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs);
  });

  test('closes a socket that never sends a byte once the headers timeout has passed', async () => {
    h = startHarness();
    const headersTimeoutMs = 400;
    const port = await listen({ headersTimeoutMs, requestTimeoutMs: 1_000, keepAliveTimeoutMs: 300 });
    const { ms, received } = await rawSocket(port);
    expect(ms).toBeGreaterThanOrEqual(headersTimeoutMs - 50);
    // Node looks for expired connections every checkIntervalMs; allow 300 ms for a busy machine.
    expect(ms).toBeLessThan(headersTimeoutMs + checkIntervalMs(headersTimeoutMs) + 300);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  test('closes a connection whose headers never finish', async () => {
    h = startHarness();
    const port = await listen({ headersTimeoutMs: 400, requestTimeoutMs: 1_000, keepAliveTimeoutMs: 300 });
    const { ms } = await rawSocket(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
    expect(ms).toBeLessThan(400 + checkIntervalMs(400) + 300);
  });

  test('an idle kept-alive connection is closed after the keep-alive timeout', async () => {
    h = startHarness();
    const port = await listen({ headersTimeoutMs: 2_000, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 300 });
    const { ms, received } = await rawSocket(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1_500);
  });

  test('a suggestion that computes for longer than the request timeout still gets its answer', async () => {
    const computeMs = 1_500;
    h = startHarness({
      suggester: {
        suggest: async () => {
          await new Promise((r) => setTimeout(r, computeMs));
          return { suggestions: [{ params: { x: 0.5 }, source: 'initial' }] };
        },
      },
    });
    const port = await listen({ headersTimeoutMs: 300, requestTimeoutMs: 500, keepAliveTimeoutMs: 300 });
    const base = `http://127.0.0.1:${port}`;
    const created = await fetch(`${base}/v1/studies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'slow', parameters: [{ name: 'x', type: 'float', low: 0, high: 1 }], objective: { goal: 'minimize' } }),
    });
    const { id } = (await created.json()) as { id: string };
    const started = performance.now();
    const res = await fetch(`${base}/v1/studies/${id}/suggest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { trials: { params: unknown }[] }).trials[0]!.params).toEqual({ x: 0.5 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(computeMs - 50);
  });
});
