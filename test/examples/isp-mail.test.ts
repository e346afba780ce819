import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@lvs7/testkit';
import { afterAll, describe, expect, it } from 'vitest';

// Needs a build (npx tsc -b): run.sh starts packages/cli/bin/lvs7.js, slapd and python3 clients.
const runFile = promisify(execFile);
const script = fileURLToPath(new URL('../../examples/isp-mail/run.sh', import.meta.url));

/** Runs one printed command as a user would paste it; a non-zero exit (swaks on a 451) is an answer too. */
async function sh(command: string): Promise<string> {
  try {
    const { stdout, stderr } = await runFile('bash', ['-c', command], { timeout: 45_000 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; killed?: boolean };
    if (e.killed) throw error;
    return (e.stdout ?? '') + (e.stderr ?? '');
  }
}

/** The HEALTH column of a server in one pool of the `lvs7 status` table. */
function health(status: string, pool: string, server: string): string | undefined {
  const section = status.split(/^pool /m).find((s) => s.startsWith(`${pool} `)) ?? '';
  const row = section.split('\n').find((l) => l.trim().startsWith(server));
  return row?.trim().split(/\s+/)[3];
}

/** Whether a server of a pool is healthy, from the admin API (cheaper to poll than `lvs7 status`). */
async function healthy(admin: string, pool: string, server: string): Promise<boolean> {
  const res = await fetch(`${admin}/api/pools/${pool}/servers/${server}`);
  return ((await res.json()) as { healthy: boolean }).healthy;
}

describe('examples/isp-mail/run.sh', () => {
  it('--check: SMTP to two users on different nodes, each read back over IMAP and POP3 from its node', async () => {
    const { stdout } = await runFile('bash', [script, '--check', '--free-ports'], { timeout: 150_000 }).catch(
      (error: { stdout?: string; stderr?: string; code?: number }) => {
        throw new Error(`run.sh --check exited ${error.code}:\n${error.stdout}\n${error.stderr}`);
      },
    );
    expect(stdout).toMatch(/RCPT TO:<alice@example\.org> -> 250/);
    // bob lives on the other node: deferred with 452 and delivered in a second transaction.
    expect(stdout).toMatch(/RCPT TO:<bob@example\.org> -> 452 4\.5\.3/);
    expect(stdout).toContain('second transaction for bob@example.org: accepted');
    for (const proto of ['IMAP', 'POP3']) {
      expect(stdout).toContain(
        `alice@example.org: ${proto} login served by mail1.example.org; the message is there (delivered by mail1.example.org)`,
      );
      expect(stdout).toContain(
        `bob@example.org: ${proto} login served by mail2.example.org; the message is there (delivered by mail2.example.org)`,
      );
    }
    expect(stdout).toContain(
      'alice@example.org: IMAP login served by mail2.example.org; the message is there: True',
    );
    expect(stdout).toContain('--- result: OK');
    expect(stdout).toMatch(/pool mail-imap \(mh, 2 eligible\)/);
  }, 180_000);

  describe('the "try this" commands it prints', () => {
    let child: ChildProcess | undefined;
    let output = '';

    afterAll(async () => {
      // A failed test leaves the example running: SIGTERM lets run.sh stop it and clean up.
      const running = child;
      if (running === undefined || running.exitCode !== null) return;
      const gone = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await gone;
    });

    it('work against the running example, and SIGTERM stops everything and removes the temp dir', async () => {
      const proc = spawn('bash', [script, '--free-ports'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      proc.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      proc.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
      await waitFor(() => output.includes('Running until Ctrl-C') || proc.exitCode !== null, {
        timeoutMs: 90_000,
        intervalMs: 100,
        message: 'run.sh to print what to try',
      });
      expect(proc.exitCode, output).toBeNull();
      const tmp = /shared Maildir in (\S+)\):/.exec(output)?.[1] ?? '';
      const admin = /status page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1] ?? '';
      expect(existsSync(tmp)).toBe(true);
      const commands = [...output.matchAll(/^ {2}\$ (.*)$/gm)].map((m) => m[1]!);
      const find = (what: string, ...parts: string[]) => {
        const found = commands.filter((c) => parts.every((p) => c.includes(p)));
        expect(found.length, `a printed command for ${what}`).toBeGreaterThan(0);
        return found[0]!;
      };
      const imapAlice = find('IMAP as alice', 'imaplib', 'alice@example.org');
      const imapBob = find('IMAP as bob', 'imaplib', 'bob@example.org');
      const status = find('lvs7 status', 'lvs7.js status');

      expect(await sh(find('ldapsearch', 'ldapsearch'))).toMatch(
        /uid=bob,ou=people,dc=example,dc=org\nmail: bob@example\.org\nmailHost: mail2\.example\.org/,
      );
      // SMTP: swaks to alice and bob (bob on the other node: 452), then smtplib to bob alone.
      const swaks = await sh(find('swaks to two users', 'swaks', 'alice@example.org,bob@example.org'));
      expect(swaks).toMatch(/RCPT TO:<alice@example\.org>\n<- {2}250/);
      expect(swaks).toMatch(/RCPT TO:<bob@example\.org>\n<\*\* 452 4\.5\.3/);
      expect(swaks).toMatch(/<- {2}250 2\.6\.0 <alice@example\.org>/);
      expect((await sh(find('smtplib', 'smtplib'))).trim()).toBe('{}');
      // IMAP and POP3 through the distributor: the last line names the node.
      expect(await sh(imapAlice)).toMatch(
        /^1 messages; newest Subject: hello\nmail1\.example\.org logging out\.$/m,
      );
      expect(await sh(find('POP3 as bob', 'poplib', 'bob@example.org'))).toMatch(
        /^1 messages\n\+OK mail2\.example\.org closing connection\.$/m,
      );
      // Admin API: where alice goes and why; move her; the next login goes to mail2.
      const placed = JSON.parse(
        await sh(find('placement', 'curl -s http', '/api/mail/users/alice@example.org |')),
      );
      expect(placed.directoryHost).toBe('mail1.example.org');
      expect(placed.listeners[0].placement.server).toBe('mail1.example.org');
      const moved = JSON.parse(await sh(find('move', '/move')));
      expect(moved.server).toBe('mail2.example.org');
      expect(await sh(imapAlice)).toContain('mail2.example.org logging out.');

      // Failover: stop mail2; once lvs7 status shows it down, bob's login goes to mail1.
      const pids = ['mail1', 'mail2', 'lvs7', 'slapd'].map((n) =>
        readFileSync(join(tmp, `${n}.pid`), 'utf8'),
      );
      await sh(find('stop mail2', 'kill', 'mail2.pid'));
      await waitFor(async () => !(await healthy(admin, 'mail-imap', 'mail2.example.org')), {
        timeoutMs: 30_000,
        intervalMs: 100,
        message: 'mail2 down',
      });
      expect(health(await sh(status), 'mail-imap', 'mail2.example.org')).toBe('down');
      expect(await sh(imapBob)).toMatch(
        /^1 messages; newest Subject: hello bob\nmail1\.example\.org logging out\.$/m,
      );
      await sh(find('start mail2', 'mailstore -c', 'mail2.yaml'));
      await waitFor(() => healthy(admin, 'mail-imap', 'mail2.example.org'), {
        timeoutMs: 60_000,
        intervalMs: 100,
        message: 'mail2 up again',
      });

      // Directory outage: slapd stopped → once the 5 s cache has expired, SMTP answers 451, never 5xx.
      const swaksCarol = find('swaks to carol', 'swaks', '--to carol@example.org');
      await sh(find('stop slapd', 'kill', 'slapd.pid'));
      const refused = await waitFor(
        async () => {
          const out = await sh(swaksCarol);
          expect(out).not.toMatch(/<\*\* 5\d\d/);
          return /<\*\* 451 /.test(out) && out;
        },
        { timeoutMs: 30_000, intervalMs: 500, message: 'SMTP 451 while slapd is down' },
      );
      expect(refused).toMatch(/RCPT TO:<carol@example\.org>\n<\*\* 451 4\.\d\.\d/);
      await sh(find('start slapd', 'slapd -f'));
      await waitFor(async () => /<- {2}250 2\.6\.0/.test(await sh(swaksCarol)), {
        timeoutMs: 30_000,
        intervalMs: 500,
        message: 'SMTP accepting again after slapd is back',
      });

      // Ctrl-C / SIGTERM: every process stopped, the temp dir gone.
      const restarted = [
        ...pids,
        readFileSync(join(tmp, 'mail2.pid'), 'utf8'),
        readFileSync(join(tmp, 'slapd.pid'), 'utf8'),
      ];
      proc.kill('SIGTERM');
      expect(await exited).toBe(143);
      child = undefined;
      expect(existsSync(tmp)).toBe(false);
      const alive = restarted.map(Number).filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
      expect(alive).toEqual([]);
    }, 240_000);
  });
});
