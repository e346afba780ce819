import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SiteView } from '@lvs7/site';
import { type TempDir, tempDir, waitFor } from '@lvs7/testkit';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLE = `${ROOT}examples/anycast`;
const NETNS = `${EXAMPLE}/netns.sh`;

export type SiteName = 'siteA' | 'siteB';
const LVS7 = `${ROOT}packages/cli/bin/lvs7.js`;
/** The admin token of examples/anycast/site*.yaml (changes need it; reads do not). */
const ADMIN_TOKEN = 'anycast-example-token';
/** Each site's web servers, as in examples/anycast/site*.yaml. */
export const BACKENDS = { web1: '127.0.0.1:8081', web2: '127.0.0.1:8082' } as const;
export type BackendName = keyof typeof BACKENDS;

interface Proc {
  readonly child: ChildProcess;
  log: string;
}

/** One JSON log line (pino) of lvs7 or its announcer. */
export interface LogLine {
  readonly time: number;
  readonly msg: string;
  readonly reason?: string;
}

/** What examples/anycast/load.mjs prints: counts per web server, per answer, per status. */
export interface LoadResult {
  readonly requests: number;
  readonly servedBy: Record<string, number>;
  readonly answers: Record<string, number>;
  readonly statuses: Record<string, number>;
  readonly errors: number;
}

export interface LoadOptions {
  /** 'vip' (where BGP sends the client), or one site's own address. */
  readonly to: 'vip' | SiteName;
  /** Requests in flight at once, each on its own connection. */
  readonly concurrency: number;
  /** How long each request is held open by the web server (ms). */
  readonly holdMs: number;
  readonly durationMs: number;
}

const ADDRESSES = { vip: '192.0.2.10', siteA: '10.77.1.2', siteB: '10.77.2.2' } as const;

/** A line the router's `ip monitor route` printed, with the time it arrived. */
export interface RouteEvent {
  readonly at: number;
  readonly line: string;
}

/**
 * The examples/anycast topology, for real: four network namespaces
 * (client, router, siteA, siteB; built by examples/anycast/netns.sh under a
 * random `lvs7t-…` prefix), BIRD 2 on the router, and in each site two
 * web servers (examples/anycast/backend.mjs), `lvs7 start -c siteX.yaml`
 * serving the VIP, and ExaBGP running `lvs7 bgp-announcer`. stop() removes
 * everything, whatever state it is in.
 */
export class AnycastLab {
  readonly prefix = `lvs7t-${randomBytes(3).toString('hex')}`;
  readonly routeEvents: RouteEvent[] = [];
  readonly #procs = new Map<string, Proc>();
  #loads = 0;
  readonly #onExit = () => spawnSync('bash', [NETNS, 'down', this.prefix]);
  #dir: TempDir | undefined;

  static async start(): Promise<AnycastLab> {
    if (process.getuid?.() !== 0) throw new Error('the anycast test needs root (network namespaces)');
    for (const built of ['packages/cli/dist/main.js', 'packages/cli/dist/commands/bgp-announcer.js']) {
      if (!existsSync(ROOT + built)) throw new Error(`${built} is missing: run \`npx tsc -b\` first`);
    }
    const lab = new AnycastLab();
    try {
      await lab.#start();
    } catch (err) {
      const logs = lab.logs();
      await lab.stop();
      throw new Error(`${(err as Error).message}\n${logs}`, { cause: err });
    }
    return lab;
  }

  async #start(): Promise<void> {
    process.once('exit', this.#onExit);
    this.#dir = await tempDir('lvs7-anycast-');
    await run('bash', [NETNS, 'up', this.prefix]);
    const monitor = this.#spawn('monitor', 'router', ['ip', 'monitor', 'route']);
    monitor.child.stdout!.on('data', (chunk: Buffer) => {
      for (const line of String(chunk).split('\n')) {
        if (line.includes('192.0.2.10')) this.routeEvents.push({ at: Date.now(), line });
      }
    });
    const dir = this.#dir.path;
    this.#spawn('bird', 'router', [
      'bird',
      '-f',
      '-c',
      `${EXAMPLE}/bird.conf`,
      '-s',
      `${dir}/bird.ctl`,
      '-P',
      `${dir}/bird.pid`,
    ]);
    await Promise.all(
      (['siteA', 'siteB'] as const).map(async (site) => {
        await this.startBackends(site);
        await this.startLvs7(site);
      }),
    );
    for (const site of ['siteA', 'siteB'] as const) {
      this.#spawn(`exabgp-${site}`, site, ['exabgp', `${EXAMPLE}/exabgp-${site}.conf`], {
        'exabgp.daemon.user': 'root',
        'exabgp.daemon.drop': 'false',
        'exabgp.api.cli': 'false',
        'exabgp.api.respawn': 'true',
        'exabgp.log.destination': 'stdout',
        NODE: process.execPath,
      });
    }
    await waitFor(
      async () => (await this.birdRoutes()).includes('siteB') && (await this.routeVia()) === '10.77.1.2',
      {
        timeoutMs: 60_000,
        intervalMs: 200,
        message: 'BIRD to learn the VIP from both sites and prefer siteA',
      },
    );
  }

  /** Starts a site's web servers (all, or the ones named); resolves once they listen. */
  async startBackends(site: SiteName, names: readonly BackendName[] = ['web1', 'web2']): Promise<void> {
    await Promise.all(
      names.map((name) =>
        this.#waitLog(
          this.#spawn(`${site}-${name}`, site, [
            'node',
            `${EXAMPLE}/backend.mjs`,
            site,
            name,
            BACKENDS[name],
          ]),
          'listening',
        ),
      ),
    );
  }

  /** SIGKILLs a site's web servers (all, or the ones named): its health checks find them gone. */
  stopBackends(site: SiteName, names: readonly BackendName[] = ['web1', 'web2']): void {
    for (const name of names) this.#kill(`${site}-${name}`);
  }

  /** `lvs7 start -c examples/anycast/siteX.yaml` in the site; resolves once it logged "lvs7 started". */
  startLvs7(site: SiteName): Promise<void> {
    const proc = this.#spawn(`lvs7-${site}`, site, ['node', LVS7, 'start', '-c', `${EXAMPLE}/${site}.yaml`]);
    return this.#waitLog(proc, '"lvs7 started"');
  }

  /** SIGKILLs a site's lvs7: its announcer's polls are refused from then on. */
  killLvs7(site: SiteName): void {
    this.#kill(`lvs7-${site}`);
  }

  /** The pid of the announcer ExaBGP runs in `site` (it respawns it under a new pid). */
  async announcerPid(site: SiteName): Promise<number | undefined> {
    const { stdout } = await run('ip', ['netns', 'pids', `${this.prefix}-${site}`]);
    for (const pid of stdout.split(/\s+/).filter(Boolean).map(Number)) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes('bgp-announcer')) return pid;
    }
    return undefined;
  }

  /** When a process started, in ms on the same clock as uptimeMs() (10 ms resolution: /proc/PID/stat). */
  async startedAtMs(pid: number): Promise<number | undefined> {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Field 22 (starttime, in clock ticks of 1/100 s) counts from after the ")" of the command name.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  }

  /** The machine's uptime in ms (the clock of startedAtMs). */
  async uptimeMs(): Promise<number> {
    return Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]) * 1000;
  }

  /** What the client gets from the VIP (curl, 2 s timeout); '' when nothing answered. */
  async curl(): Promise<string> {
    try {
      const { stdout } = await run('ip', [
        'netns',
        'exec',
        `${this.prefix}-client`,
        'curl',
        '-s',
        '--max-time',
        '2',
        'http://192.0.2.10/',
      ]);
      return stdout.trim();
    } catch {
      return '';
    }
  }

  /** Runs examples/anycast/load.mjs in the client namespace; resolves with what it counted. */
  async load(o: LoadOptions): Promise<LoadResult> {
    const name = `load-${this.#loads++}`;
    const proc = this.#spawn(name, 'client', [
      'node',
      `${EXAMPLE}/load.mjs`,
      '--url',
      `http://${ADDRESSES[o.to]}/hold?ms=${o.holdMs}`,
      '--concurrency',
      String(o.concurrency),
      '--duration',
      String(o.durationMs),
    ]);
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
    this.#procs.delete(name);
    const line = proc.log.trim().split('\n').at(-1) ?? '';
    if (code !== 0 || !line.startsWith('{')) throw new Error(`load.mjs failed (${code}):\n${proc.log}`);
    return JSON.parse(line) as LoadResult;
  }

  /** A site's GET /api/site. */
  async site(site: SiteName): Promise<SiteView> {
    return JSON.parse(await this.admin(site, 'GET', '/api/site')) as SiteView;
  }

  /** Calls a site's admin API from inside that site. */
  async admin(site: SiteName, method: string, path: string, body?: unknown): Promise<string> {
    const args = ['netns', 'exec', `${this.prefix}-${site}`, 'curl', '-s', '--max-time', '2', '-X', method];
    if (method !== 'GET') args.push('-H', `authorization: Bearer ${ADMIN_TOKEN}`);
    if (body !== undefined) args.push('-H', 'content-type: application/json', '-d', JSON.stringify(body));
    const { stdout } = await run('ip', [...args, `http://127.0.0.1:9900${path}`]);
    return stdout;
  }

  /** The router's kernel next hop for the VIP, or '' without a route. */
  async routeVia(): Promise<string> {
    const { stdout } = await run('ip', ['-n', `${this.prefix}-router`, 'route', 'show', '192.0.2.10']);
    return /via (\S+)/.exec(stdout)?.[1] ?? '';
  }

  async birdRoutes(): Promise<string> {
    const sock = `${this.#dir!.path}/bird.ctl`;
    try {
      const { stdout } = await run('ip', [
        'netns',
        'exec',
        `${this.prefix}-router`,
        'birdc',
        '-s',
        sock,
        'show',
        'route',
        '192.0.2.10/32',
      ]);
      return stdout;
    } catch {
      return '';
    }
  }

  /** The announcer's log lines (JSON, via ExaBGP's stderr) of one site. */
  announcerLog(site: SiteName): LogLine[] {
    return this.#jsonLog(`exabgp-${site}`).filter((l) => l.msg.includes('bgp-announcer'));
  }

  /** The log lines (pino JSON) of a site's lvs7 since it last started. */
  lvs7Log(site: SiteName): LogLine[] {
    return this.#jsonLog(`lvs7-${site}`);
  }

  #jsonLog(name: string): LogLine[] {
    const log = this.#procs.get(name)?.log ?? '';
    return log
      .split('\n')
      .filter((line) => line.startsWith('{') && line.endsWith('}'))
      .map((line) => JSON.parse(line) as LogLine);
  }

  logs(): string {
    return [...this.#procs].map(([name, p]) => `== ${name}\n${p.log.slice(-3_000)}`).join('\n');
  }

  async stop(): Promise<void> {
    for (const proc of this.#procs.values()) proc.child.kill('SIGKILL');
    this.#procs.clear();
    // netns.sh down also kills what is left inside our namespaces (ExaBGP's announcer children).
    await run('bash', [NETNS, 'down', this.prefix]).catch(() => undefined);
    process.off('exit', this.#onExit);
    await this.#dir?.remove();
  }

  #spawn(name: string, ns: string, command: string[], env: Record<string, string> = {}): Proc {
    const child = spawn('ip', ['netns', 'exec', `${this.prefix}-${ns}`, ...command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc: Proc = { child, log: '' };
    const append = (chunk: Buffer) => {
      proc.log += chunk;
      if (proc.log.length > 200_000) proc.log = proc.log.slice(-100_000);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    child.on('error', (err) => (proc.log += `spawn error: ${err.message}\n`));
    this.#procs.set(name, proc);
    return proc;
  }

  #kill(name: string): void {
    this.#procs.get(name)?.child.kill('SIGKILL');
    this.#procs.delete(name);
  }

  #waitLog(proc: Proc, text: string): Promise<void> {
    // Generous: a cold `node` start takes seconds on a busy 2-CPU machine.
    return waitFor(() => proc.log.includes(text) || proc.child.exitCode !== null, {
      timeoutMs: 60_000,
      message: text,
    }).then(() => {
      if (!proc.log.includes(text)) throw new Error(`exited before "${text}":\n${proc.log}`);
    });
  }
}
