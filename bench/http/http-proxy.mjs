// node http-proxy as a baseline: node:http server + keep-alive agent to the backend.
// Usage: node bench/http/http-proxy.mjs <port> <backend port>
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../package.json', import.meta.url));
const httpProxy = require('http-proxy');
const [port, backend] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${backend}`, agent });
proxy.on('error', (_error, _req, res) => {
  res.statusCode = 502;
  res.end();
});
http.createServer((req, res) => proxy.web(req, res)).listen(port, '127.0.0.1');
