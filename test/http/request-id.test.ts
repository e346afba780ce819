import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Pool } from '@lvs7/core';
import { HttpListener, type HttpListenerOptions } from '@lvs7/http';
import { waitFor, writeSelfSignedCertificate } from '@lvs7/testkit';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, makePool, Origin } from './helpers.js';

const requireFromHttp = createRequire(new URL('../../packages/http/package.json', import.meta.url));
const pino = requireFromHttp('pino') as (options: object, stream: Writable) => Logger;

/** A pino logger whose JSON lines land in `lines`. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** Echoes the request fields it received as JSON (and, when asked, the id back as a response field). */
function echoOrigin(name: string): Origin {
  return new Origin(name, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.headers['x-echo-id'] !== undefined) res.setHeader('X-Request-Id', 'from-origin');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ raw: req.rawHeaders }));
    });
  });
}

interface Fixture {
  listener: HttpListener;
  port: number;
  lines: Record<string, unknown>[];
}

async function startListener(options: Partial<HttpListenerOptions>, pool: Pool): Promise<Fixture> {
  const { logger, lines } = capturingLogger();
  const listener = new HttpListener({
    options: { name: 'rid', listen: '127.0.0.1:0', accessLog: 'full', routes: [{ pool: 'web' }], ...options },
    pools: new Map([['web', pool]]),
    logger,
  });
  await listener.listen();
  return { listener, port: listener.address()!.port, lines };
}

/** curl -i: the status line, response fields (lower-case) and the upstream's received fields. */
async function get(
  url: string,
  extra: string[] = [],
): Promise<{ status: string; headers: [string, string][]; upstream: [string, string][] }> {
  const out = await curl(['-i', ...extra, url]);
  expect(out.code, out.stderr).toBe(0);
  const [head, body] = out.stdout.split(/\r\n\r\n/, 2) as [string, string];
  const headers = head
    .split('\r\n')
    .slice(1)
    .map(
      (l) =>
        [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as [string, string],
    );
  const raw = (JSON.parse(body) as { raw: string[] }).raw;
  const upstream: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) upstream.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return { status: head.slice(0, head.indexOf('\r\n')), headers, upstream };
}

const all = (fields: [string, string][], name: string) =>
  fields.filter(([n]) => n === name).map(([, v]) => v);

async function logLine(f: Fixture, id: string): Promise<Record<string, unknown>> {
  await waitFor(() => f.lines.some((l) => l.msg === 'http request' && l.requestId === id), {
    timeoutMs: 10_000,
  });
  return f.lines.find((l) => l.requestId === id)!;
}

describe('X-Request-Id through the HTTP distributor (real curl, echoing origin)', () => {
  let origin: Origin;
  let plain: Fixture;
  let trusting: Fixture;
  let off: Fixture;
  let tls: Fixture;
  let dir: string;

  beforeAll(async () => {
    origin = await echoOrigin('o1').start();
    dir = mkdtempSync(join(tmpdir(), 'lvs7-rid-'));
    const cert = writeSelfSignedCertificate(dir, 'localhost', {
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    plain = await startListener({}, makePool('web', [origin]));
    trusting = await startListener({ trustedProxies: ['127.0.0.0/8'] }, makePool('web', [origin]));
    off = await startListener({ requestId: { enabled: false } }, makePool('web', [origin]));
    tls = await startListener({ tls: { ...cert, http2: true } }, makePool('web', [origin]));
  }, 30_000);

  afterAll(async () => {
    for (const f of [plain, trusting, off, tls]) await f?.listener.close({ drainTimeoutMs: 200 });
    await origin.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates an id, sends it upstream, returns it, and logs it', async () => {
    const { headers, upstream } = await get(`http://127.0.0.1:${plain.port}/gen`);
    const sent = all(upstream, 'x-request-id');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^[A-Za-z0-9_-]{8}-[0-9a-z]+$/);
    expect(all(headers, 'x-request-id')).toEqual(sent);
    const line = await logLine(plain, sent[0]!);
    expect(line).toMatchObject({ target: '/gen', status: 200, server: 'o1', client: '127.0.0.1' });
  });

  it('gives each request its own id', async () => {
    const a = await get(`http://127.0.0.1:${plain.port}/a`);
    const b = await get(`http://127.0.0.1:${plain.port}/b`);
    expect(all(a.headers, 'x-request-id')[0]).not.toBe(all(b.headers, 'x-request-id')[0]);
  });

  it('replaces an id sent by a client it does not trust', async () => {
    const { headers, upstream } = await get(`http://127.0.0.1:${plain.port}/forged`, [
      '-H',
      'X-Request-Id: forged-by-client',
    ]);
    const sent = all(upstream, 'x-request-id');
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toBe('forged-by-client');
    expect(all(headers, 'x-request-id')).toEqual(sent);
    await logLine(plain, sent[0]!);
  });

  it('keeps a well-formed id from a trusted proxy, end to end and in the log', async () => {
    const { headers, upstream } = await get(`http://127.0.0.1:${trusting.port}/kept`, [
      '-H',
      'X-Request-Id: edge-4711',
    ]);
    expect(all(upstream, 'x-request-id')).toEqual(['edge-4711']);
    expect(all(headers, 'x-request-id')).toEqual(['edge-4711']);
    const line = await logLine(trusting, 'edge-4711');
    expect(line.target).toBe('/kept');
  });

  it('replaces a malformed or repeated id even from a trusted proxy', async () => {
    const long = 'x'.repeat(129);
    const tooLong = await get(`http://127.0.0.1:${trusting.port}/long`, ['-H', `X-Request-Id: ${long}`]);
    expect(all(tooLong.upstream, 'x-request-id')).toHaveLength(1);
    expect(all(tooLong.upstream, 'x-request-id')[0]).not.toBe(long);
    const twice = await get(`http://127.0.0.1:${trusting.port}/twice`, [
      '-H',
      'X-Request-Id: one',
      '-H',
      'x-request-id: two',
    ]);
    const sent = all(twice.upstream, 'x-request-id');
    expect(sent).toHaveLength(1);
    expect(['one', 'two']).not.toContain(sent[0]);
  });

  it('answers with one id when the server echoes its own', async () => {
    const { headers, upstream } = await get(`http://127.0.0.1:${plain.port}/echo`, ['-H', 'X-Echo-Id: 1']);
    expect(all(headers, 'x-request-id')).toEqual(all(upstream, 'x-request-id'));
  });

  it('puts the id on local error responses too', async () => {
    const down = makePool('web', []);
    const f = await startListener({}, down);
    try {
      const out = await curl(['-i', `http://127.0.0.1:${f.port}/nothing`]);
      expect(out.stdout).toMatch(/^HTTP\/1\.1 503 /);
      const id = /\r\nX-Request-Id: (\S+)\r\n/.exec(out.stdout)?.[1];
      expect(id).toBeDefined();
      const line = await logLine(f, id!);
      expect(line.status).toBe(503);
    } finally {
      await f.listener.close({ drainTimeoutMs: 200 });
    }
  });

  it('adds nothing when turned off', async () => {
    const { headers, upstream } = await get(`http://127.0.0.1:${off.port}/off`, ['-H', 'X-Request-Id: c1']);
    expect(all(upstream, 'x-request-id')).toEqual(['c1']);
    expect(all(headers, 'x-request-id')).toEqual([]);
    await waitFor(() => off.lines.some((l) => l.target === '/off'), { timeoutMs: 10_000 });
    expect(off.lines.find((l) => l.target === '/off')!.requestId).toBeNull();
  });

  it('works the same for HTTP/2 clients', async () => {
    const { status, headers, upstream } = await get(`https://127.0.0.1:${tls.port}/h2`, ['--http2', '-k']);
    expect(status).toMatch(/^HTTP\/2 200/);
    const sent = all(upstream, 'x-request-id');
    expect(sent).toHaveLength(1);
    expect(all(headers, 'x-request-id')).toEqual(sent);
    expect(headers.length).toBeGreaterThan(0);
    await logLine(tls, sent[0]!);
  });
});
