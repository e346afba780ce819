import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { waitForPort } from './ports.js';

export interface DaemonOptions {
  /** Shown in errors. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Ready once something accepts connections on 127.0.0.1:port. */
  readonly readyPort?: number | undefined;
  /**
   * For daemons that fork into the background (slapd, squid -D…): the pid
   * file to read once ready, so stop() signals the real process.
   */
  readonly pidFile?: string | undefined;
  readonly readyTimeoutMs?: number | undefined;
}

/**
 * A real server process (nginx, HAProxy, slapd, Dovecot, Squid, Redis…) run
 * for a test from its own throwaway config, never the system instance.
 * Stopped with SIGTERM, then SIGKILL if it lingers.
 */
export class Daemon {
  readonly options: DaemonOptions;
  #pid: number | undefined;
  #output = '';

  constructor(options: DaemonOptions) {
    this.options = options;
  }

  /** What the process printed (stdout and stderr), for failure messages. */
  get output(): string {
    return this.#output;
  }

  get pid(): number | undefined {
    return this.#pid;
  }

  async start(): Promise<this> {
    const { command, args, cwd, env, name } = this.options;
    if (!commandExists(command)) {
      throw new Error(`${name}: ${command} is not installed (the README's test command installs it)`);
    }
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#pid = child.pid;
    const collect = (chunk: Buffer) => {
      if (this.#output.length < 64 * 1024) this.#output += chunk.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) => {
        if (this.options.pidFile && code === 0) return; // forked into the background
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${this.#output}`));
      });
      child.once('error', reject);
    });
    const ready = this.options.readyPort
      ? waitForPort(this.options.readyPort, '127.0.0.1', this.options.readyTimeoutMs ?? 15_000)
      : Promise.resolve();
    await Promise.race([ready, exited]);
    exited.catch(() => {});
    if (this.options.pidFile) {
      const text = await readFile(this.options.pidFile, 'utf8');
      this.#pid = Number(text.trim());
    }
    return this;
  }

  /** Sends a signal to the daemon (e.g. SIGHUP to reload). */
  signal(signal: NodeJS.Signals): void {
    if (this.#pid) process.kill(this.#pid, signal);
  }

  async stop(): Promise<void> {
    const pid = this.#pid;
    this.#pid = undefined;
    if (!pid) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    const deadline = Date.now() + 5_000;
    while (isAlive(pid)) {
      if (Date.now() > deadline) {
        process.kill(pid, 'SIGKILL');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when `command` is an absolute path that exists or a name found on PATH. */
export function commandExists(command: string): boolean {
  if (command.includes('/')) return existsSync(command);
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  return dirs.some((dir) => existsSync(`${dir}/${command}`));
}
