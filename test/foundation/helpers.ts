import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Instance } from '@lvs7/cli';
import { parseConfig } from '@lvs7/config';
import pino from 'pino';

export const LVS7_BIN = fileURLToPath(new URL('../../packages/cli/bin/lvs7.js', import.meta.url));

/** An Instance from YAML text, started, with a silent logger. */
export async function startInstance(yaml: string): Promise<Instance> {
  const instance = new Instance(parseConfig(yaml, 'test.yaml'), {
    logger: pino({ level: 'silent' }),
    drainTimeoutMs: 2_000,
  });
  await instance.start();
  return instance;
}

export function adminUrl(instance: Instance): string {
  const address = instance.admin?.address();
  if (!address) throw new Error('admin is not listening');
  return `http://127.0.0.1:${address.port}`;
}

export async function api<T = unknown>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `lvs7` command to completion. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [LVS7_BIN, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** Starts `lvs7 …` in the background; resolves once a stderr log line contains `readyText`. */
export async function spawnCli(
  args: string[],
  readyText: string,
): Promise<{ child: ChildProcess; log: () => string }> {
  const child = spawn(process.execPath, [LVS7_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (c) => (log += c));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk;
      if (log.includes(readyText)) {
        child.stderr!.off('data', onData);
        child.stderr!.on('data', (c) => (log += c));
        resolve();
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`lvs7 exited (${code}) before "${readyText}":\n${log}`)));
  });
  return { child, log: () => log };
}
