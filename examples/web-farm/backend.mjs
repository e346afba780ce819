// A tiny backend for the example: answers with its name; /health says ok.
import { createServer } from 'node:http';

const [port, name] = process.argv.slice(2);
createServer((req, res) => {
  req.resume();
  res.setHeader('x-served-by', name);
  res.end(req.url === '/health' ? 'ok\n' : `${name} ${req.method} ${req.url}\n`);
}).listen(Number(port), '127.0.0.1');
