// A minimal lvs7 HTTP proxy for benchmarks: one pool, one route, built from dist/.
// Usage: node bench/http/lvs7-proxy.mjs <listen host:port> <server host:port>[,<server>...]
import { createRequire } from 'node:module';
import { Pool } from '../../packages/core/dist/index.js';
import { HttpListener } from '../../packages/http/dist/index.js';

const require = createRequire(new URL('../../packages/http/package.json', import.meta.url));
const pino = require('pino');

const [listen = '127.0.0.1:18100', servers = '127.0.0.1:18080'] = process.argv.slice(2);
const pool = new Pool('web', {
  scheduler: 'rr',
  servers: servers.split(',').map((address, i) => ({ name: `s${i}`, address })),
});
const listener = new HttpListener({
  options: { name: 'bench', listen, routes: [{ pool: 'web', pathPrefix: '/' }] },
  pools: new Map([['web', pool]]),
  logger: pino({ level: 'warn' }),
});
await listener.listen();
process.stdout.write(`listening ${listen}\n`);
const stop = async () => {
  await listener.close({ drainTimeoutMs: 100 });
  pool.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
