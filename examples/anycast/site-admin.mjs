// Stand-in for a site's lvs7 until `lvs7 start` has the `site:` section: the
// real Site class (packages/site) over a real Pool (packages/core) holding
// the site's web server, behind the admin routes the announcer and the peer
// sites use. The pool's servers change state through the same call as
// lvs7's admin API: PATCH /api/pools/web/servers/<name> {"state": "maint"}.
//
//   node site-admin.mjs --name siteA --address 10.77.1.2 --listen 0.0.0.0:9900 \
//     --server web1=192.0.2.10:80 --peer siteB=http://10.77.2.2:9900,10.77.2.2
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from '../../packages/core/dist/index.js';
import { Site } from '../../packages/site/dist/index.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    address: { type: 'string' },
    vip: { type: 'string', default: '192.0.2.10' },
    listen: { type: 'string', default: '127.0.0.1:9900' },
    server: { type: 'string', multiple: true, default: [] },
    peer: { type: 'string', multiple: true, default: [] },
  },
});

const servers = values.server.map((spec) => {
  const [name, address] = spec.split('=');
  return { name, address, maxConnections: 100 };
});
const pool = new Pool('web', { scheduler: 'rr', servers });
const peers = values.peer.map((spec) => {
  const [name, rest] = spec.split('=');
  const [admin, address] = rest.split(',');
  return { name, admin, address };
});
const site = new Site(
  {
    name: values.name,
    vip: values.vip,
    address: values.address,
    minHealthy: 50,
    overflow: { above: 1.1, peerBelow: 0.7, intervalMs: 1_000 },
    peers,
  },
  { pools: () => [pool] },
);

const routes = site.routes();
const http = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const route = routes.find((r) => r.method === req.method && r.path === path);
  if (route) return void route.handler(req, res, {});
  const m = /^\/api\/pools\/web\/servers\/([^/]+)$/.exec(path);
  if (req.method === 'PATCH' && m) {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        pool.setState(decodeURIComponent(m[1]), JSON.parse(body).state);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch (err) {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: err.message }));
      }
    });
    return;
  }
  res.writeHead(404).end();
});
const [host, port] = [values.listen.slice(0, values.listen.lastIndexOf(':')), values.listen.split(':').pop()];
http.listen(Number(port), host, () => {
  site.start();
  process.stdout.write(`site-admin ${values.name} listening on ${values.listen}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
