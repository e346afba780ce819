import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LVS7_BIN } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const sh = promisify(execFile);

describe('lvs7 demo', () => {
  it('starts the cluster, and every command it prints works', async () => {
    const child = spawn(process.execPath, [LVS7_BIN, 'demo', '--port', '0', '--admin-port', '0'], {
      cwd: ROOT,
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => out.includes('Ctrl-C') && resolve());
        child.once('exit', (code) => reject(new Error(`demo exited (${code}):\n${out}`)));
      });
      const commands = out
        .split('\n')
        .filter((line) => /^ {2}(curl|npx|python3) /.test(line))
        .map((line) => line.trim());
      expect(commands.length).toBeGreaterThanOrEqual(8);
      const served = new Set<string>();
      for (const command of commands) {
        const { stdout } = await sh('bash', ['-c', command], { cwd: ROOT });
        expect(stdout.length, command).toBeGreaterThan(0);
        if (command.includes('/hello')) served.add(JSON.parse(stdout).server);
      }
      expect(served.size).toBe(1);
      // The listener spreads requests over the three web servers.
      const url = /HTTP\s+(http:\S+)/.exec(out)![1]!;
      for (let i = 0; i < 9; i++) {
        const { stdout } = await sh('curl', ['-s', `${url}/x`]);
        served.add(JSON.parse(stdout).server);
      }
      expect(served).toEqual(new Set(['web1', 'web2', 'web3']));
    } finally {
      child.kill('SIGINT');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
