// A web server answering its site's name, e.g. `node backend.mjs siteA 192.0.2.10 80`.
// Node rather than `python3 -m http.server`, which stalls on reverse DNS inside a namespace.
import { createServer } from 'node:http';

const [name = 'site', host = '192.0.2.10', port = '80'] = process.argv.slice(2);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end(`${name}\n`);
});
server.listen(Number(port), host, () =>
  process.stdout.write(`backend ${name} listening on ${host}:${port}\n`),
);
