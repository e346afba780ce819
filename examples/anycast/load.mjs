// A load client: keeps N requests in flight against a URL for a while, each on
// its own connection (a new session for lvs7), and prints which web server
// answered how often and what, as one JSON line, e.g.
//
//   node load.mjs --url 'http://192.0.2.10/hold?ms=2000' --concurrency 20 --duration 8000
//   {"requests":80,"servedBy":{"siteA/web1":25,"siteA/web2":25,"siteB/web1":15,"siteB/web2":15},
//    "answers":{"siteA":50,"siteB (overflow from siteA)":30},"statuses":{"200":80},"errors":0}
//
// With /hold?ms=N each request stays open N ms: 30 of them are 30 sessions
// open at once, the load an overloaded site sheds to its peers.
import { request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://192.0.2.10/' },
    concurrency: { type: 'string', default: '10' },
    duration: { type: 'string', default: '5000' },
    timeout: { type: 'string', default: '30000' },
  },
});
const url = new URL(values.url);
const until = Date.now() + Number(values.duration);
const result = { requests: 0, servedBy: {}, answers: {}, statuses: {}, errors: 0 };
const count = (map, key) => {
  map[key] = (map[key] ?? 0) + 1;
};

function once() {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        if (body.length < 200) body += chunk;
      });
      res.on('end', () => {
        result.requests++;
        count(result.statuses, res.statusCode);
        count(result.servedBy, res.headers['x-served-by'] ?? 'none');
        count(result.answers, body.trim().slice(0, 100));
        resolve();
      });
      res.on('error', () => resolve(void result.errors++));
    });
    req.setTimeout(Number(values.timeout), () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(void result.errors++));
    req.end();
  });
}

async function worker() {
  while (Date.now() < until) await once();
}

await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
process.stdout.write(`${JSON.stringify(result)}\n`);
