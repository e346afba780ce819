import type { AddressInfo } from 'node:net';
import { parseConfig } from '@lvs7/config';
import { Instance } from '../instance.js';
import { createRootLogger } from '../logger.js';
import { type DemoBackend, startDemoBackend } from './demo-backends.js';

export interface DemoOptions {
  /** HTTP listener port (0 = any free port). */
  readonly port: number;
  /** Admin API port (0 = any free port). */
  readonly adminPort: number;
  readonly logLevel?: string | undefined;
}

export interface RunningDemo {
  readonly instance: Instance;
  readonly url: string;
  readonly adminUrl: string;
  readonly tryThis: string[];
  stop(): Promise<void>;
}

/**
 * `lvs7 demo`: an embedded HTTP cluster (three web servers of its own
 * behind one HTTP listener, health-checked, with the admin API), built
 * from a config file's text so it runs the same path as `lvs7 start`.
 */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const backends: DemoBackend[] = [];
  for (const name of ['web1', 'web2', 'web3']) backends.push(await startDemoBackend(name));
  const yaml = `
admin: { listen: 127.0.0.1:${options.adminPort} }
pools:
  web:
    scheduler: wlc
    slowStart: 5s
    servers:
${backends.map((b, i) => `      - { name: ${b.name}, address: ${b.address}, weight: ${i === 2 ? 2 : 1} }`).join('\n')}
    health: { check: http, path: /health, interval: 1s, timeout: 500ms, rise: 2, fall: 2 }
listeners:
  - name: www
    protocol: http
    listen: 127.0.0.1:${options.port}
    routes:
      - { pathPrefix: /, pool: web }
`;
  const config = parseConfig(yaml, 'demo.yaml');
  const logger = createRootLogger(options.logLevel ?? 'warn');
  const instance = new Instance(config, { logger, drainTimeoutMs: 2_000 });
  await instance.start();
  const listenerAddress = instance.listener('www')?.address() as AddressInfo | undefined;
  const adminAddress = instance.admin?.address();
  const url = `http://127.0.0.1:${listenerAddress?.port ?? options.port}`;
  const adminUrl = `http://127.0.0.1:${adminAddress?.port ?? options.adminPort}`;
  const tryThis = [
    `curl -s ${url}/hello`,
    `curl -s ${adminUrl}/api/pools`,
    `npx lvs7 status --admin ${adminUrl}`,
    `npx lvs7 server set web web3 --state drain --admin ${adminUrl}`,
    `npx lvs7 server set web web3 --state ready --weight 3 --admin ${adminUrl}`,
    `curl -s ${adminUrl}/metrics`,
  ];
  return {
    instance,
    url,
    adminUrl,
    tryThis,
    async stop() {
      await instance.stop();
      await Promise.all(backends.map((b) => b.close()));
    },
  };
}

export function demoBanner(demo: RunningDemo): string {
  return [
    'lvs7 demo: an HTTP listener in front of 3 web servers (pool "web", scheduler wlc, http health checks).',
    '',
    `  listener   ${demo.url}`,
    `  admin API  ${demo.adminUrl}`,
    '',
    'Try this:',
    ...demo.tryThis.map((c) => `  ${c}`),
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
