#!/usr/bin/env node
// One process of the cache benchmark (see run.mjs), by role:
//   origin PORT OBJECTS SIZE WORK_MS   node:http origin; WORK_MS of CPU per response (a dynamic page)
//   cache  JSON                        one lvs7 cache node (CacheNode options + { originAddress })
//   front  PORT SCHEDULER ADDR...      the HTTP distributor (HttpListener, key: url) over the cache nodes
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const root = new URL('../../', import.meta.url);
const fromCache = createRequire(new URL('packages/cache/package.json', root));
const fromHttp = createRequire(new URL('packages/http/package.json', root));
const { pino } = fromCache('pino');
const logger = pino({ level: 'warn' });
const [role, ...args] = process.argv.slice(2);

if (role === 'origin') {
  const [port, objects, size, workMs] = args.map(Number);
  const body = Buffer.alloc(size, 'o');
  createServer((req, res) => {
    const until = performance.now() + workMs;
    while (performance.now() < until); // the page takes this long to make
    const n = Number(/^\/obj\/(\d+)/.exec(req.url ?? '')?.[1]);
    if (!(n >= 1 && n <= objects)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      'cache-control': 'max-age=3600',
      etag: `"${n}"`,
    });
    res.end(body);
  }).listen(port, '127.0.0.1');
} else if (role === 'cache') {
  const { CacheNode } = await import(new URL('packages/cache/dist/index.js', root).href);
  const { Pool } = await import(fromCache.resolve('@lvs7/core'));
  const { originAddress, ...options } = JSON.parse(args[0]);
  const pools = new Map([
    ['web', new Pool('web', { scheduler: 'rr', servers: [{ name: 'origin', address: originAddress }] })],
  ]);
  const node = new CacheNode({ options: { ...options, origin: 'web' }, pools, logger });
  await node.start();
  process.on('SIGTERM', () => node.close(100).then(() => process.exit(0)));
} else if (role === 'front') {
  const [port, scheduler, ...addresses] = args;
  const { HttpListener } = await import(new URL('packages/http/dist/index.js', root).href);
  const { Pool } = await import(fromHttp.resolve('@lvs7/core'));
  const caches = new Pool('caches', {
    scheduler,
    servers: addresses.map((address, i) => ({ name: `cache${i + 1}`, address })),
  });
  const listener = new HttpListener({
    options: {
      name: 'front',
      listen: `127.0.0.1:${port}`,
      routes: [{ pathPrefix: '/', pool: 'caches', key: 'url' }],
    },
    pools: new Map([['caches', caches]]),
    logger,
  });
  await listener.listen();
} else {
  console.error(`unknown role ${role}`);
  process.exit(2);
}
