// Sends GET requests to the VIP one after another, each on a new connection,
// and reports what happened. `node client.mjs [URL] [--interval ms] [--timeout ms] [--json]`
//   default: prints a line when the answer changes (lvsA → failures → lvsB),
//            with the length of the gap and how many requests failed in it;
//   --json:  one JSON line per request: {"t":start,"ms":latency,"ok":true,"body":"web1 via lvsA"}
//            or {"t":…,"ms":…,"ok":false,"error":"ECONNREFUSED"} (for the test).
import { request } from 'node:http';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    interval: { type: 'string', default: '50' },
    timeout: { type: 'string', default: '2000' },
    json: { type: 'boolean', default: false },
  },
});
const url = positionals[0] ?? 'http://10.88.0.100/';
const intervalMs = Number(values.interval);
const timeoutMs = Number(values.timeout);

function get() {
  return new Promise((resolve) => {
    const t = Date.now();
    const done = (result) => resolve({ t, ms: Date.now() - t, ...result });
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () =>
        done(
          res.statusCode === 200
            ? { ok: true, body: body.trim() }
            : { ok: false, error: `HTTP ${res.statusCode}` },
        ),
      );
      res.on('error', (err) => done({ ok: false, error: err.code ?? err.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err) => done({ ok: false, error: err.code ?? err.message }));
    req.end();
  });
}

const clock = (t) => new Date(t).toISOString().slice(11, 23);
let shown = ''; // what the last printed line said
let lastOk; // start time of the last successful request
let failures = 0; // failed requests since then
function report(r) {
  const key = r.ok ? `served by ${r.body.split(' via ')[1] ?? r.body}` : `failing: ${r.error}`;
  let note = '';
  if (r.ok && failures > 0) {
    note = ` (after a gap of ${lastOk === undefined ? '?' : r.t - lastOk} ms, ${failures} failed request(s))`;
  }
  if (r.ok) [lastOk, failures] = [r.t, 0];
  else failures++;
  if (key !== shown || note) process.stdout.write(`${clock(r.t)}  ${key}${note}\n`);
  shown = key;
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => (stopping = true));
while (!stopping) {
  const r = await get();
  if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else report(r);
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
