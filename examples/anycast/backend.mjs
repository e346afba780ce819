// One web server of a site, e.g. `node backend.mjs siteA web1 127.0.0.1:8081`.
// Answers its site's name (the body; "siteB (overflow from siteA)" when
// siteA's lvs7 sent the request over) and its own name (header x-served-by);
// /health is what lvs7's health check asks; /hold?ms=N answers after N ms, so
// a client can hold sessions open and load a site. Node rather than
// `python3 -m http.server`, which stalls on reverse DNS inside a namespace.
import { createServer } from 'node:http';

const [site = 'site', name = 'web1', listen = '127.0.0.1:8081'] = process.argv.slice(2);
const host = listen.slice(0, listen.lastIndexOf(':'));
const port = Number(listen.slice(listen.lastIndexOf(':') + 1));

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://backend');
  const answer = () => {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': `${site}/${name}` });
    // A request another site's lvs7 sent over (overload) carries its mark.
    const from = req.headers['x-lvs7-overflow'];
    res.end(url.pathname === '/health' ? 'ok\n' : from ? `${site} (overflow from ${from})\n` : `${site}\n`);
  };
  const hold = Math.min(Number(url.searchParams.get('ms')) || 0, 60_000);
  if (url.pathname === '/hold' && hold > 0) setTimeout(answer, hold);
  else answer();
});
server.listen(port, host, () => process.stdout.write(`backend ${site}/${name} listening on ${listen}\n`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
