import type { AddressInfo } from 'node:net';
import { request as httpRequest, type Server } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { createHttpServer } from '../../src/api/http-server.js';
import { toProblem } from '../../src/api/problem.js';
import { startHarness, studyBody, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(() => h.close());

const body = Buffer.from(JSON.stringify(studyBody()));
/** Sends the bytes as they are: superagent would otherwise serialize a Buffer to JSON for a JSON content type. */
const asIs = ((bytes: Buffer) => bytes) as unknown as (obj: unknown) => string;

describe('request bodies that cannot be decoded', () => {
  const encode = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
  test.each([
    ['gzip', Buffer.from('this is not gzip')],
    ['gzip', gzipSync(body).subarray(0, 20)],
    ['deflate', Buffer.from('this is not deflate')],
    ['br', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
  ] as const)('a corrupt %s body is 400 MALFORMED_BODY, not a 500, while a well-formed one is read', async (encoding, bytes) => {
    h = startHarness({ captureLogs: true });
    const post = (content: Buffer) =>
      h.request.post('/v1/studies').set('Content-Type', 'application/json').set('Content-Encoding', encoding).serialize(asIs).send(content);
    const res = await post(bytes);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'MALFORMED_BODY', status: 400 });
    expect(res.body.detail).toMatch(/^the body could not be decoded by its Content-Encoding: /);
    expect(h.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect((await post(encode[encoding](body))).status).toBe(201);
  });
});

describe("body-parser's error types", () => {
  const bodyError = (type: string, status: number) => Object.assign(new Error(type), { type, status, statusCode: status });
  test.each([
    // The others were mapped before; 'stream.encoding.set' and 'stream.not.readable' stay a logged 500 (our bug).
    ['request.aborted', 400, 'MALFORMED_BODY'],
    ['request.size.invalid', 400, 'MALFORMED_BODY'],
  ])('%s (status %i) becomes %s', (type, status, code) => {
    expect(toProblem(bodyError(type, status))?.code ?? null).toBe(code);
  });
});

describe('a client that goes away while sending its body', () => {
  let server: Server;
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('is logged at info as an aborted request, not as an unhandled error, and counts no 500', async () => {
    h = startHarness({ captureLogs: true });
    server = createHttpServer(h.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/v1/studies', headers: { 'content-type': 'application/json', 'content-length': 10_000 } });
      req.on('error', () => resolve());
      req.write('{"name": "half', () => setTimeout(() => req.destroy(), 50));
    });
    const deadline = Date.now() + 5_000;
    const aborted = () => h.logs.find((l) => l.msg === 'request aborted by the client while sending its body');
    while (!aborted() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(aborted()).toMatchObject({ level: 30, received: 14, expected: 10_000 });
    expect(h.logs.filter((l) => (l.level as number) >= 40)).toEqual([]);
    const metrics = await h.request.get('/metrics');
    expect(metrics.text).not.toMatch(/posterior_http_request_duration_seconds_count\{[^}]*status="5\d\d"/);
  });
});

describe('a body refused before it is read', () => {
  let server: Server;
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  // The fuzz suite found it (transport, FUZZ_SEED=20261201): answering 415 and closing while the
  // client still sent its body reset the connection, and the client saw EPIPE, not the answer.
  test.each([
    ['an unsupported Content-Encoding', { 'content-encoding': 'gzip, gzip' }, 415, 'POST', '/v1/studies'],
    ['an oversized body', {}, 413, 'POST', '/v1/studies'],
    ['a media type other than JSON, which no parser reads', { 'content-type': '*/*' }, 415, 'POST', '/v1/studies'],
    ['a body on a DELETE, which takes none', {}, 404, 'DELETE', '/v1/studies/no-such-study'],
  ])('with %s, the server reads the rest of the body before it answers and closes, so the client gets the answer', async (_, headers, status, method, path) => {
    h = startHarness();
    server = createHttpServer(h.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const chunks = 12;
    const events: string[] = [];
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        port,
        host: '127.0.0.1',
        method,
        path,
        headers: { 'content-type': 'application/json', 'content-length': chunk.length * chunks, ...headers },
      });
      req.on('error', (err) => {
        events.push(`error ${err.message}`);
        resolve();
      });
      req.on('response', (res) => {
        events.push(`status ${res.statusCode}`);
        res.resume();
        res.on('end', () => setTimeout(resolve, 50));
      });
      let sent = 0;
      const next = () => {
        sent++;
        if (sent < chunks) return void req.write(chunk, () => setTimeout(next, 20));
        events.push('last chunk sent');
        req.end(chunk);
      };
      next();
    });
    expect(events).toEqual(['last chunk sent', `status ${status}`]);
  });
});
