// Web servers that say who they are and which lvs7 node sent the request:
// `node backend.mjs web1=10.88.0.21:8080 web2=10.88.0.22:8080` runs two, and
// web1 answers "web1 via lvsA" to a request lvsA forwarded. One process for
// all of them keeps the lab light. Node rather than `python3 -m http.server`,
// which stalls on reverse DNS inside a namespace.
import { createServer } from 'node:http';

// lvs7 connects from its node's own address (the VIP is a secondary address).
const NODES = { '10.88.0.2': 'lvsA', '10.88.0.3': 'lvsB' };

for (const spec of process.argv.slice(2)) {
  const [, name, host, port] = /^([\w-]+)=([\d.]+):(\d+)$/.exec(spec) ?? [];
  if (!name) throw new Error(`expected NAME=ADDRESS:PORT, got ${spec}`);
  const server = createServer((req, res) => {
    const from = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '?';
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(req.url === '/health' ? 'ok\n' : `${name} via ${NODES[from] ?? from}\n`);
  });
  server.listen(Number(port), host, () =>
    process.stdout.write(`backend ${name} listening on ${host}:${port}\n`),
  );
}
