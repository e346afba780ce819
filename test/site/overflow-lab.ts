import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { SiteView } from '@lvs7/site';
import { freePort, type TempDir } from '@lvs7/testkit';
import { spawnCli } from '../foundation/helpers.js';

export type SiteName = 'siteA' | 'siteB';

/** What a backend saw of one request. */
export interface Seen {
  readonly server: string;
  readonly overflow: string | undefined;
  readonly xff: string | undefined;
}

/**
 * A web server that answers with its name; `/hold?ms=N` answers after N ms,
 * so concurrent clients build up sessions in flight (the site's load).
 */
export class Backend {
  readonly name: string;
  readonly seen: Seen[] = [];
  #server: Server | undefined;

  constructor(name: string) {
    this.name = name;
  }

  get address(): string {
    return `127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.keepAliveTimeout = 60_000;
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((r) => this.#server?.close(r));
  }

  #handle(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/health') {
      this.seen.push({
        server: this.name,
        overflow: req.headers['x-lvs7-overflow'] as string | undefined,
        xff: req.headers['x-forwarded-for'] as string | undefined,
      });
    }
    const ms = Number(url.searchParams.get('ms') ?? 0);
    setTimeout(() => {
      res.setHeader('x-served-by', this.name);
      res.end(this.name);
    }, ms);
  }
}

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One GET, from `localAddress` when given (to pose as a peer site on loopback). */
export function get(
  host: string,
  port: number,
  path: string,
  headers: Record<string, string> = {},
  localAddress?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, headers, localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * `workers` clients each sending held requests back to back to `host:port`
 * until stop() — a steady number of requests in flight.
 */
export class Load {
  readonly answers: Answer[] = [];
  readonly errors: string[] = [];
  #running = true;
  readonly #done: Promise<unknown>;

  constructor(host: string, port: number, workers: number, holdMs: number) {
    const loop = async () => {
      while (this.#running) {
        try {
          this.answers.push(await get(host, port, `/hold?ms=${holdMs}`));
        } catch (error) {
          this.errors.push((error as Error).message);
        }
      }
    };
    this.#done = Promise.all(Array.from({ length: workers }, loop));
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }
}

export interface SitePlan {
  readonly name: SiteName;
  /** The site's VIP listeners listen here (on one machine each site needs its own). */
  readonly vip: string;
  readonly address: string;
  readonly capacity: number;
  readonly backends: readonly Backend[];
  readonly peer: { name: SiteName; address: string; adminPort: number };
  readonly adminPort: number;
  /** More YAML under `listeners:` / `pools:` / top level. */
  readonly extraListeners?: string;
  readonly extraPools?: string;
  readonly extra?: string;
}

/** Two `lvs7 start` processes, siteA and siteB, on loopback. */
export class RunningSite {
  readonly plan: SitePlan;
  readonly child: ChildProcess;
  readonly log: () => string;

  constructor(plan: SitePlan, child: ChildProcess, log: () => string) {
    this.plan = plan;
    this.child = child;
    this.log = log;
  }

  get admin(): string {
    return `http://127.0.0.1:${this.plan.adminPort}`;
  }

  async view(): Promise<SiteView> {
    const response = await fetch(`${this.admin}/api/site`);
    return (await response.json()) as SiteView;
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.admin}/metrics`)).text();
  }

  /** Sessions sent to the peer (what the listeners did, by the site's traffic counters). */
  async traffic(event: 'forwarded' | 'failed' | 'received', protocol = 'http'): Promise<number> {
    const view = await this.view();
    return view.overflow.traffic.filter((t) => t.protocol === protocol).reduce((sum, t) => sum + t[event], 0);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await once(this.child, 'exit');
  }
}

export async function startSite(dir: TempDir, plan: SitePlan, port: number): Promise<RunningSite> {
  const servers = plan.backends.map((b) => `      - { name: ${b.name}, address: ${b.address} }`).join('\n');
  const yaml = `
admin: { listen: 127.0.0.1:${plan.adminPort} }
log: { level: debug }
pools:
  web:
    scheduler: lc
    servers:
${servers}
${plan.extraPools ?? ''}
listeners:
  - name: www
    protocol: http
    listen: ${plan.vip}:${port}
    timeouts: { clientIdle: 60s }
    routes:
      - { pathPrefix: /, pool: web }
${plan.extraListeners ?? ''}
site:
  name: ${plan.name}
  vip: ${plan.vip}
  address: ${plan.address}
  capacity: ${plan.capacity}
  # A busy test machine answers /api/site slowly at times: a generous poll timeout keeps reports fresh.
  overflow: { above: 1.1, peerBelow: 0.7, interval: 500ms, timeout: 1s, hysteresis: 0.1 }
  peers:
    - { name: ${plan.peer.name}, admin: 'http://127.0.0.1:${plan.peer.adminPort}', address: ${plan.peer.address} }
${plan.extra ?? ''}
`;
  const file = join(dir.path, `${plan.name}.yaml`);
  await writeFile(file, yaml);
  const { child, log } = await spawnCli(['start', '-c', file], 'lvs7 started');
  return new RunningSite(plan, child, log);
}

export { freePort };
