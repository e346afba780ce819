#!/usr/bin/env node
// Stand-in for `lvs7 bgp-announcer` until the CLI has it: the process ExaBGP runs.
//   bgp-announcer.js --admin http://127.0.0.1:9900 --vip 192.0.2.10/32 [--interval 150] [--timeout 200]
// Commands go to stdout, logs to stderr (ExaBGP logs a process's stderr).
import { parseArgs } from 'node:util';
import pino from 'pino';
import { runBgpAnnouncer } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    admin: { type: 'string' },
    vip: { type: 'string' },
    interval: { type: 'string' },
    timeout: { type: 'string' },
    failures: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
  },
});
const number = (v) => (v === undefined ? undefined : Number(v));
const logger = pino(
  { level: values['log-level'], base: { component: 'bgp-announcer' } },
  pino.destination(2),
);
try {
  const announcer = runBgpAnnouncer({
    admin: values.admin ?? '',
    vip: values.vip ?? '',
    intervalMs: number(values.interval),
    timeoutMs: number(values.timeout),
    failures: number(values.failures),
    stdin: process.stdin,
    stdout: process.stdout,
    logger,
  });
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => announcer.stop(signal));
  await announcer.done;
  process.exit(0);
} catch (err) {
  process.stderr.write(`bgp-announcer: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
