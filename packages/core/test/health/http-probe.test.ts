import { afterEach, describe, expect, it } from 'vitest';
import { HealthCheckFailedError } from '../../src/errors.js';
import { createHealthProbe, HTTP_CHECK_MAX_BODY, HttpProbe } from '../../src/health/index.js';
import { closedPort, TestHttpServer, target, timeoutSignal, waitFor } from './helpers.js';

describe('http probe', () => {
  const servers: TestHttpServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop();
  });
  const serve = async (handler?: ConstructorParameters<typeof TestHttpServer>[0]) => {
    const server = await new TestHttpServer(handler).start();
    servers.push(server);
    return server;
  };
  const check = (probe: HttpProbe, port: number, ms = 1000) => probe.check(target(port), timeoutSignal(ms));
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the check to fail');
      },
      (e: unknown) => e as HealthCheckFailedError,
    );

  it('GETs / by default, passes 2xx/3xx and never follows a redirect', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: '/elsewhere' }).end();
      else if (req.url === '/elsewhere') res.writeHead(500).end();
      else res.end('ok');
    });
    await expect(check(new HttpProbe(), server.port)).resolves.toBe('HTTP 200');
    await expect(check(new HttpProbe({ path: '/moved' }), server.port)).resolves.toBe('HTTP 302');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /', 'GET /moved']);
  });

  it('fails outside the expected status ranges', async () => {
    const server = await serve((req, res) => res.writeHead(Number(req.url!.slice(1))).end());
    const defaults = new HttpProbe({ path: '/500' });
    const error = await failure(check(defaults, server.port));
    expect(error).toBeInstanceOf(HealthCheckFailedError);
    expect(error.message).toBe('HTTP 500');
    await expect(failure(check(new HttpProbe({ path: '/404' }), server.port))).resolves.toHaveProperty(
      'message',
      'HTTP 404',
    );
    const custom = (path: string) => new HttpProbe({ path, status: '200-204,404' });
    await expect(check(custom('/404'), server.port)).resolves.toBe('HTTP 404');
    await expect(check(custom('/204'), server.port)).resolves.toBe('HTTP 204');
    await expect(failure(check(custom('/205'), server.port))).resolves.toHaveProperty('message', 'HTTP 205');
    await expect(failure(check(custom('/301'), server.port))).resolves.toHaveProperty('message', 'HTTP 301');
  });

  it('matches the body by substring or regex', async () => {
    const server = await serve((_req, res) => res.end('{"status":"UP","db":"ok"}'));
    await expect(check(new HttpProbe({ body: '"status":"UP"' }), server.port)).resolves.toBe(
      'HTTP 200, body matches',
    );
    await expect(check(new HttpProbe({ body: /"db":"(ok|degraded)"/ }), server.port)).resolves.toMatch(
      /matches/,
    );
    const fromConfig = createHealthProbe('http', { bodyRegex: '"status":\\s*"UP"' }) as HttpProbe;
    await expect(check(fromConfig, server.port)).resolves.toMatch(/matches/);
    const error = await failure(check(new HttpProbe({ body: 'DOWN' }), server.port));
    expect(error.message).toBe('HTTP 200: body does not match');
  });

  it('reads at most 64 KiB of the body, even from an endless one', async () => {
    const filler = 'x'.repeat(HTTP_CHECK_MAX_BODY);
    const server = await serve((req, res) => {
      if (req.url === '/late') {
        res.end(`${filler}MARKER`);
        return;
      }
      // Endless stream: the probe must stop reading on its own.
      const chunk = Buffer.alloc(16 * 1024, 'y');
      const pump = () => {
        while (res.write(chunk)) {}
      };
      res.on('drain', pump);
      res.on('error', () => {});
      pump();
    });
    const late = await failure(check(new HttpProbe({ path: '/late', body: 'MARKER' }), server.port));
    expect(late.message).toBe('HTTP 200: body does not match');
    await expect(
      check(new HttpProbe({ path: '/endless', body: 'yyyy' }), server.port, 2000),
    ).resolves.toMatch(/matches/);
    await waitFor(() => server.sockets.size === 0, 2000, 'the endless response connection to close');
  });

  it('sends method, path, Host and extra headers, asks to close the connection', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const probe = new HttpProbe({
      method: 'HEAD',
      path: '/healthz?full=1',
      host: 'app.example',
      headers: { 'user-agent': 'lvs7-health' },
    });
    await expect(check(probe, server.port)).resolves.toBe('HTTP 200');
    const [req] = server.requests;
    expect(req!.method).toBe('HEAD');
    expect(req!.url).toBe('/healthz?full=1');
    expect(req!.headers.host).toBe('app.example');
    expect(req!.headers['user-agent']).toBe('lvs7-health');
    expect(req!.headers.connection).toBe('close');
  });

  it('leaves no connection open after many checks', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const probe = new HttpProbe({ body: 'ok' });
    for (let i = 0; i < 20; i++) await check(probe, server.port);
    await expect(failure(check(new HttpProbe({ status: 500 }), server.port))).resolves.toBeInstanceOf(
      HealthCheckFailedError,
    );
    expect(server.connections).toBe(21);
    await waitFor(() => server.sockets.size === 0, 2000, 'every check connection to close');
  });

  it('fails with the timeout reason when the server does not answer in time', async () => {
    const server = await serve(() => {
      /* never answers */
    });
    const started = Date.now();
    const error = await failure(check(new HttpProbe(), server.port, 100));
    expect(error).toBeInstanceOf(HealthCheckFailedError);
    expect(error.message).toBe('timeout after 100 ms');
    expect(Date.now() - started).toBeLessThan(1000);
    await waitFor(() => server.sockets.size === 0, 2000, 'the timed out connection to close');
  });

  it('fails on a refused connection and honors the port option', async () => {
    const port = await closedPort();
    const error = await failure(check(new HttpProbe(), port));
    expect(error).toBeInstanceOf(HealthCheckFailedError);
    expect(error.message).toMatch(/ECONNREFUSED/);
    const server = await serve();
    await expect(check(new HttpProbe({ port: server.port }), port)).resolves.toBe('HTTP 200');
  });
});
