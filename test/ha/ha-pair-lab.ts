import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type TempDir, tempDir, waitFor } from '@lvs7/testkit';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLE = `${ROOT}examples/ha-pair`;
const NETNS = `${EXAMPLE}/netns.sh`;
const LVS7 = `${ROOT}packages/cli/bin/lvs7.js`;
export const VIP = '10.88.0.100';

export type NodeName = 'lvsA' | 'lvsB';

/** One request of the client loop (examples/ha-pair/client.mjs --json). */
export interface ClientResult {
  /** When the request started (ms since the epoch). */
  readonly t: number;
  readonly ms: number;
  readonly ok: boolean;
  /** "web1 via lvsA" when ok. */
  readonly body?: string;
  /** ECONNREFUSED, TIMEOUT, HTTP 502… when not. */
  readonly error?: string;
}

/** A VRRP state change keepalived logged ("Entering MASTER STATE"), with when it arrived. */
export interface VrrpEvent {
  readonly at: number;
  readonly node: NodeName;
  readonly state: string;
}

interface Proc {
  readonly child: ChildProcess;
  log: string;
}

/**
 * The examples/ha-pair topology, for real: five network namespaces on one
 * bridge (built by examples/ha-pair/netns.sh under a random `lvs7h-…`
 * prefix), Redis and two web servers in the backend namespace, `lvs7 start`
 * and keepalived (VRRPv3, unicast, tracking /api/health) in lvsA and lvsB,
 * and the client loop in the client namespace sending to the VIP.
 * stop() removes everything, whatever state it is in.
 */
export class HaPairLab {
  readonly prefix = `lvs7h-${randomBytes(3).toString('hex')}`;
  readonly results: ClientResult[] = [];
  readonly vrrpEvents: VrrpEvent[] = [];
  /** Labelled moments (a failover's action), to place failed requests in the summary. */
  readonly marks: { readonly at: number; readonly label: string }[] = [];
  readonly #procs = new Map<string, Proc>();
  readonly #onExit = () => spawnSync('bash', [NETNS, 'down', this.prefix]);
  #dir: TempDir | undefined;

  static async start(): Promise<HaPairLab> {
    if (process.getuid?.() !== 0) throw new Error('the ha-pair test needs root (network namespaces)');
    if (!existsSync(`${ROOT}packages/cli/dist/main.js`)) throw new Error('run `npx tsc -b` first');
    const lab = new HaPairLab();
    try {
      await lab.#start();
    } catch (err) {
      const logs = lab.logs();
      await lab.stop();
      throw new Error(`${(err as Error).message}\n${logs}`);
    }
    return lab;
  }

  async #start(): Promise<void> {
    process.once('exit', this.#onExit);
    this.#dir = await tempDir('lvs7-ha-pair-');
    await run('bash', [NETNS, 'up', this.prefix]);
    // Not loopback, no password: protected mode would refuse the lvs7 nodes.
    const redis = ['--port', '6379', '--bind', '10.88.0.20', '--protected-mode', 'no'];
    this.#spawn('redis', 'backend', ['redis-server', ...redis, '--save', '', '--appendonly', 'no']);
    const webs = ['web1=10.88.0.21:8080', 'web2=10.88.0.22:8080'];
    this.#spawn('web', 'backend', ['node', `${EXAMPLE}/backend.mjs`, ...webs]);
    await this.#waitLog('redis', 'Ready to accept connections');
    await this.#waitLog('web', 'web1 listening');
    await this.#waitLog('web', 'web2 listening');
    await Promise.all([this.startLvs7('lvsA'), this.startLvs7('lvsB')]);
    await this.startKeepalived('lvsA');
    await this.startKeepalived('lvsB');
    await waitFor(() => this.holdsVip('lvsA'), {
      timeoutMs: 20_000,
      intervalMs: 100,
      message: 'lvsA to take the VIP',
    });
    const client = this.#spawn('client', 'client', [
      'node',
      `${EXAMPLE}/client.mjs`,
      `http://${VIP}/`,
      '--json',
      ...['--interval', '50', '--timeout', '2000'],
    ]);
    let partial = '';
    client.child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line.startsWith('{')) this.results.push(JSON.parse(line) as ClientResult);
    });
    await waitFor(() => this.results.some((r) => r.body?.endsWith('via lvsA')), {
      timeoutMs: 30_000,
      message: 'the client to be served by lvsA',
    });
  }

  /** Starts `lvs7 start -c examples/ha-pair/lvs7.yaml` in `node`; resolves once it has started. */
  async startLvs7(node: NodeName): Promise<void> {
    this.#spawn(`lvs7-${node}`, node, ['node', LVS7, 'start', '-c', `${EXAMPLE}/lvs7.yaml`]);
    await this.#waitLog(`lvs7-${node}`, 'lvs7 started', 90_000);
  }

  /** SIGKILLs a node's lvs7: a crash, no draining. */
  killLvs7(node: NodeName): void {
    this.#procs.get(`lvs7-${node}`)?.child.kill('SIGKILL');
    this.#procs.delete(`lvs7-${node}`);
  }

  /** Starts keepalived (the config netns.sh renders) in `node`; resolves once its VRRP process runs. */
  async startKeepalived(node: NodeName): Promise<void> {
    const dir = this.#dir!.path;
    const { stdout } = await run('bash', [NETNS, 'keepalived-conf', node, dir]);
    const pids = this.#keepalivedPids(node);
    await Promise.all(Object.values(pids).map((file) => rm(file, { force: true })));
    this.#spawn(`keepalived-${node}`, node, [
      ...['keepalived', '-n', '-l', '-D', '-G', '-P', '-f', stdout.trim()],
      ...['-p', pids.parent, '-r', pids.vrrp, '-c', pids.checkers],
    ]);
    await this.#waitLog(`keepalived-${node}`, 'Startup complete', 20_000);
  }

  /**
   * A keepalived crash: stops the parent so it cannot respawn its VRRP
   * child, SIGKILLs the child (no priority-0 advertisement, the VIP stays
   * on the interface), then the parent.
   */
  async killKeepalived(node: NodeName): Promise<void> {
    const pids = this.#keepalivedPids(node);
    const parent = Number(await readFile(pids.parent, 'utf8'));
    const vrrp = Number(await readFile(pids.vrrp, 'utf8'));
    process.kill(parent, 'SIGSTOP');
    process.kill(vrrp, 'SIGKILL');
    process.kill(parent, 'SIGKILL');
    this.#procs.delete(`keepalived-${node}`);
  }

  /** A clean stop (SIGTERM): keepalived removes the VIP and sends a priority-0 advertisement. */
  async stopKeepalived(node: NodeName): Promise<void> {
    const proc = this.#procs.get(`keepalived-${node}`);
    if (!proc || proc.child.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.child.once('exit', resolve));
    proc.child.kill('SIGTERM');
    await exited;
    this.#procs.delete(`keepalived-${node}`);
  }

  /** True while the VIP is on the node's eth0. */
  async holdsVip(node: NodeName): Promise<boolean> {
    const { stdout } = await run('ip', ['-n', `${this.prefix}-${node}`, '-4', 'addr', 'show', 'dev', 'eth0']);
    return stdout.includes(` ${VIP}/`);
  }

  /** Calls a node's admin API from inside its namespace (curl); returns the body. */
  async admin(node: NodeName, method: string, path: string, body?: unknown): Promise<string> {
    const args = ['netns', 'exec', `${this.prefix}-${node}`, 'curl', '-fsS', '--max-time', '2', '-X', method];
    if (body !== undefined) args.push('-H', 'content-type: application/json', '-d', JSON.stringify(body));
    const { stdout } = await run('ip', [...args, `http://127.0.0.1:9900${path}`]);
    return stdout;
  }

  logs(): string {
    return [...this.#procs].map(([name, p]) => `== ${name}\n${p.log.slice(-3_000)}`).join('\n');
  }

  async stop(): Promise<void> {
    for (const proc of this.#procs.values()) proc.child.kill('SIGKILL');
    this.#procs.clear();
    // netns.sh down also kills what is left inside our namespaces (keepalived's children, curl checks).
    await run('bash', [NETNS, 'down', this.prefix]).catch(() => undefined);
    process.off('exit', this.#onExit);
    await this.#dir?.remove();
  }

  #keepalivedPids(node: NodeName) {
    const dir = this.#dir!.path;
    return {
      parent: `${dir}/keepalived-${node}.pid`,
      vrrp: `${dir}/vrrp-${node}.pid`,
      checkers: `${dir}/checkers-${node}.pid`,
    };
  }

  #spawn(name: string, ns: string, command: string[]): Proc {
    const child = spawn('ip', ['netns', 'exec', `${this.prefix}-${ns}`, ...command], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc: Proc = { child, log: '' };
    const node = name.startsWith('keepalived-') ? (name.slice('keepalived-'.length) as NodeName) : undefined;
    const append = (chunk: Buffer) => {
      const text = String(chunk);
      if (node) {
        for (const match of text.matchAll(/Entering (\w+) STATE/g))
          this.vrrpEvents.push({ at: Date.now(), node, state: match[1]! });
      }
      proc.log += text;
      if (proc.log.length > 200_000) proc.log = proc.log.slice(-100_000);
    };
    // The client's stdout is parsed into results instead.
    if (name !== 'client') child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    child.on('error', (err) => (proc.log += `spawn error: ${err.message}\n`));
    this.#procs.set(name, proc);
    return proc;
  }

  #waitLog(name: string, text: string, timeoutMs = 20_000): Promise<void> {
    const proc = this.#procs.get(name)!;
    return waitFor(() => proc.log.includes(text) || proc.child.exitCode !== null, {
      timeoutMs,
      message: `${name}: "${text}"`,
    }).then(() => {
      if (!proc.log.includes(text)) throw new Error(`${name} exited before "${text}":\n${proc.log}`);
    });
  }
}
