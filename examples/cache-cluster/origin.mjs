// The origin of the cache-cluster example: what the caches keep copies of.
//   /static/*  small objects, fresh for 5 minutes (Cache-Control, ETag, Last-Modified)
//   /big/*     an 8 MiB object of numbered 16-byte lines, with Range support
//   /nocache/* never stored (Cache-Control: no-store)
//   /health    ok;  /stats  how often each path was fetched here (JSON)
// Usage: node origin.mjs PORT [HOST]
import { createServer } from 'node:http';

const [port = '18401', host = '127.0.0.1'] = process.argv.slice(2);
const LINE = 16;
const BIG_LINES = (8 * 1024 * 1024) / LINE;
// Line n is n in 15 digits and a newline: any byte range can be checked by eye.
const big = Buffer.alloc(BIG_LINES * LINE);
for (let n = 0; n < BIG_LINES; n++) big.write(`${String(n).padStart(15, '0')}\n`, n * LINE, 'latin1');
const started = new Date(Date.now() - 60_000).toUTCString();
const fetches = new Map();

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range of `size` bytes: [start, end], 'unsatisfiable' or undefined (ignore). */
function byteRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') return size === 0 ? 'unsatisfiable' : [Math.max(0, size - Number(m[2])), size - 1];
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start > end && m[2] !== '') return undefined;
  return start >= size ? 'unsatisfiable' : [start, end];
}

function send(req, res, status, headers, body) {
  res.writeHead(status, { 'content-length': String(body.length), ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function serveBig(req, res, headers) {
  const etag = '"big-v1"';
  const common = { ...headers, etag, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
  const ifRange = req.headers['if-range'];
  const range =
    ifRange === undefined || ifRange === etag ? byteRange(req.headers.range, big.length) : undefined;
  if (range === 'unsatisfiable') {
    return send(req, res, 416, { ...common, 'content-range': `bytes */${big.length}` }, Buffer.alloc(0));
  }
  if (range === undefined) return send(req, res, 200, common, big);
  const [start, end] = range;
  const part = big.subarray(start, end + 1);
  send(req, res, 206, { ...common, 'content-range': `bytes ${start}-${end}/${big.length}` }, part);
}

createServer((req, res) => {
  req.resume();
  const path = new URL(req.url ?? '/', 'http://origin').pathname;
  if (path === '/health') return send(req, res, 200, { 'cache-control': 'no-store' }, Buffer.from('ok\n'));
  if (path === '/stats') {
    const body = Buffer.from(`${JSON.stringify(Object.fromEntries(fetches))}\n`);
    return send(req, res, 200, { 'cache-control': 'no-store', 'content-type': 'application/json' }, body);
  }
  const n = (fetches.get(path) ?? 0) + 1;
  fetches.set(path, n);
  const headers = { 'x-origin-fetch': String(n), 'last-modified': started };
  if (path.startsWith('/big/')) {
    return serveBig(req, res, { ...headers, 'cache-control': 'public, max-age=300' });
  }
  if (path.startsWith('/static/')) {
    const body = Buffer.from(`${path} from the origin\n`);
    const cc = { 'cache-control': 'public, max-age=300', etag: `"${path.length}-v1"` };
    return send(req, res, 200, { ...headers, ...cc, 'content-type': 'text/plain' }, body);
  }
  if (path.startsWith('/nocache/')) {
    const body = Buffer.from(`${path} from the origin, fetch #${n}\n`);
    return send(
      req,
      res,
      200,
      { ...headers, 'cache-control': 'no-store', 'content-type': 'text/plain' },
      body,
    );
  }
  send(
    req,
    res,
    404,
    { 'cache-control': 'max-age=10', 'content-type': 'text/plain' },
    Buffer.from('not found\n'),
  );
}).listen(Number(port), host);
