import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type TempDir, tempDir, waitFor } from '@lvs7/testkit';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLE = `${ROOT}examples/anycast`;
const NETNS = `${EXAMPLE}/netns.sh`;

export type SiteName = 'siteA' | 'siteB';
const SITES = {
  siteA: { address: '10.77.1.2', peer: 'siteB=http://10.77.2.2:9900,10.77.2.2' },
  siteB: { address: '10.77.2.2', peer: 'siteA=http://10.77.1.2:9900,10.77.1.2' },
} as const;

interface Proc {
  readonly child: ChildProcess;
  log: string;
}

/** A line the router's `ip monitor route` printed, with the time it arrived. */
export interface RouteEvent {
  readonly at: number;
  readonly line: string;
}

/**
 * The examples/anycast topology, for real: four network namespaces
 * (client, router, siteA, siteB; built by examples/anycast/netns.sh under a
 * random `lvs7t-…` prefix), BIRD 2 on the router, and in each site a web
 * backend on the VIP, a site-admin stand-in (real Site + Pool) and ExaBGP
 * running the announcer. stop() removes everything, whatever state it is in.
 */
export class AnycastLab {
  readonly prefix = `lvs7t-${randomBytes(3).toString('hex')}`;
  readonly routeEvents: RouteEvent[] = [];
  readonly #procs = new Map<string, Proc>();
  readonly #onExit = () => spawnSync('bash', [NETNS, 'down', this.prefix]);
  #dir: TempDir | undefined;

  static async start(): Promise<AnycastLab> {
    if (process.getuid?.() !== 0) throw new Error('the anycast test needs root (network namespaces)');
    for (const built of ['packages/core/dist/index.js', 'packages/site/dist/index.js']) {
      if (!existsSync(ROOT + built)) throw new Error(`${built} is missing: run \`npx tsc -b\` first`);
    }
    const lab = new AnycastLab();
    try {
      await lab.#start();
    } catch (err) {
      await lab.stop();
      throw err;
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
    const ready: Promise<void>[] = [];
    for (const site of ['siteA', 'siteB'] as const) {
      ready.push(
        this.#waitLog(
          this.#spawn(`backend-${site}`, site, ['node', `${EXAMPLE}/backend.mjs`, site, '192.0.2.10', '80']),
          'listening',
        ),
      );
      ready.push(this.startAdmin(site));
    }
    await Promise.all(ready);
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
        timeoutMs: 40_000,
        intervalMs: 200,
        message: 'BIRD to learn the VIP from both sites and prefer siteA',
      },
    );
  }

  /** Starts a site's admin stand-in; resolves once it listens. */
  startAdmin(site: SiteName): Promise<void> {
    const { address, peer } = SITES[site];
    const args = [
      '--name',
      site,
      '--address',
      address,
      '--listen',
      '0.0.0.0:9900',
      '--server',
      'web1=192.0.2.10:80',
      '--peer',
      peer,
    ];
    return this.#waitLog(
      this.#spawn(`admin-${site}`, site, ['node', `${EXAMPLE}/site-admin.mjs`, ...args]),
      'listening',
    );
  }

  /** SIGKILLs a site's admin stand-in: lvs7 dead, as far as the announcer can tell. */
  killAdmin(site: SiteName): void {
    const proc = this.#procs.get(`admin-${site}`);
    proc?.child.kill('SIGKILL');
    this.#procs.delete(`admin-${site}`);
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

  /** What the client gets from the VIP (curl, 1 s timeout); '' when nothing answered. */
  async curl(): Promise<string> {
    try {
      const { stdout } = await run('ip', [
        'netns',
        'exec',
        `${this.prefix}-client`,
        'curl',
        '-s',
        '--max-time',
        '1',
        'http://192.0.2.10/',
      ]);
      return stdout.trim();
    } catch {
      return '';
    }
  }

  /** Calls a site's admin API from inside that site. */
  async admin(site: SiteName, method: string, path: string, body?: unknown): Promise<string> {
    const args = ['netns', 'exec', `${this.prefix}-${site}`, 'curl', '-s', '--max-time', '2', '-X', method];
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
  announcerLog(site: SiteName): Array<{ time: number; msg: string; reason?: string }> {
    const log = this.#procs.get(`exabgp-${site}`)?.log ?? '';
    return log
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('bgp-announcer'))
      .map((line) => JSON.parse(line));
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

  #waitLog(proc: Proc, text: string): Promise<void> {
    return waitFor(() => proc.log.includes(text) || proc.child.exitCode !== null, {
      timeoutMs: 20_000,
      message: text,
    }).then(() => {
      if (!proc.log.includes(text)) throw new Error(`exited before "${text}":\n${proc.log}`);
    });
  }
}
