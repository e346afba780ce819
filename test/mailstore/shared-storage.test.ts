import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, sampleMessage, sendLmtp, startTestNode, type TestNode, tempRoot } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/mail-node-child.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Subjects by UID as an IMAP session on `port` sees INBOX, checking EXISTS too. */
async function inbox(port: number, user = 'alice'): Promise<Map<number, string>> {
  const c = await RawClient.connect(port);
  await c.line();
  await c.command(`LOGIN ${user} secret`);
  const select = await c.command('EXAMINE INBOX');
  const exists = Number(/\* (\d+) EXISTS/.exec(select)![1]);
  const fetched = await c.command('UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])', 30_000);
  c.close();
  const out = new Map<number, string>();
  for (const m of fetched.matchAll(
    /UID (\d+) BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\r\nSubject: ([^\r]*)\r\n/g,
  )) {
    out.set(Number(m[1]), m[2]!);
  }
  expect(out.size).toBe(exists);
  return out;
}

/** Delivers `count` messages over `connections` parallel LMTP connections; each message gets a unique subject. */
async function flood(port: number, prefix: string, count: number, connections: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count) {
        const n = next++;
        const result = await sendLmtp(
          port,
          's@example.net',
          ['alice@example.org'],
          sampleMessage(`${prefix}-${n}`),
        );
        expect(result.data[0]).toMatch(/^250 /);
      }
    }),
  );
}

describe('two nodes, one storage root (in one process)', () => {
  let root: Awaited<ReturnType<typeof tempRoot>>;
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    root = await tempRoot();
    a = await startTestNode({ name: 'mail1.test', rootPath: root.path });
    b = await startTestNode({ name: 'mail2.test', rootPath: root.path });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await root?.remove();
  });

  it('deliver concurrently without losing or duplicating a message; both IMAP views agree', async () => {
    // An IMAP session on each node, idling while the deliveries run.
    const watchers = await Promise.all(
      [a, b].map(async (node) => {
        const c = await RawClient.connect(node.imap);
        await c.line();
        await c.command('LOGIN alice secret');
        await c.command('SELECT INBOX');
        c.write('I1 IDLE\r\n');
        await c.line();
        return c;
      }),
    );
    await Promise.all([flood(a.lmtp, 'a', 100, 4), flood(b.lmtp, 'b', 100, 4)]);
    // Each idling session hears of all 200 (its own node at once, the other by polling).
    for (const c of watchers) {
      await c.expect(/\* 200 EXISTS\r\n/, 10_000);
      c.write('DONE\r\n');
      await c.expect(/I1 OK[^\r]*\r\n/);
      c.close();
    }
    const [viewA, viewB] = await Promise.all([inbox(a.imap), inbox(b.imap)]);
    expect([...viewA.keys()]).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect([...viewB.entries()]).toEqual([...viewA.entries()]);
    const subjects = [...viewA.values()].sort();
    expect(new Set(subjects).size).toBe(200);
    expect(subjects.filter((s) => s.startsWith('a-'))).toHaveLength(100);
  });

  it('a flag set on one node shows on the other', async () => {
    const c = await RawClient.connect(a.imap);
    await c.line();
    await c.command('LOGIN alice secret');
    await c.command('SELECT INBOX');
    await c.command('UID STORE 7 +FLAGS (\\Answered $Forwarded)');
    c.close();
    const d = await RawClient.connect(b.imap);
    await d.line();
    await d.command('LOGIN alice secret');
    await d.command('EXAMINE INBOX');
    expect(await d.command('UID FETCH 7 (FLAGS)')).toMatch(/FLAGS \(\\Answered (\\Seen )?\$Forwarded\)/);
    d.close();
  });
});

describe('two node processes, one storage root', () => {
  let root: Awaited<ReturnType<typeof tempRoot>>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // The child processes run the built package.
    execFileSync(
      process.execPath,
      [join(REPO, 'node_modules/typescript/bin/tsc'), '-b', 'packages/mailstore'],
      {
        cwd: REPO,
        stdio: 'inherit',
      },
    );
    root = await tempRoot();
  }, 120_000);
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await root?.remove();
  });

  function start(name: string, mode: 'serve' | 'flood', staleMs = 30_000) {
    const child = spawn(process.execPath, [CHILD, root.path, name, mode, String(staleMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const lines: string[] = [];
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
    });
    const ready = new Promise<{ lmtp: number; imap: number }>((resolve, reject) => {
      const timer = setInterval(() => {
        if (lines.length > 0) {
          clearInterval(timer);
          resolve(JSON.parse(lines[0]!));
        }
      }, 10);
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    });
    return { child, lines, ready };
  }

  it('deliver concurrently from two processes: every message once, UIDs 1..n on both', async () => {
    const p1 = start('proc1.test', 'serve');
    const p2 = start('proc2.test', 'serve');
    const [one, two] = await Promise.all([p1.ready, p2.ready]);
    await Promise.all([flood(one.lmtp, 'p1', 75, 3), flood(two.lmtp, 'p2', 75, 3)]);
    const [view1, view2] = await Promise.all([inbox(one.imap), inbox(two.imap)]);
    expect([...view1.keys()]).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect([...view2.entries()]).toEqual([...view1.entries()]);
    expect(new Set(view1.values()).size).toBe(150);
    p1.child.kill('SIGTERM');
    p2.child.kill('SIGTERM');
  }, 60_000);

  it('a node killed mid-delivery leaves no partial message; the other node numbers what was saved', async () => {
    const before = (await inbox((await start('proc3.test', 'serve').ready).imap)).size;
    const victim = start('victim.test', 'flood', 500);
    await victim.ready;
    // Let it deliver for a while, then kill it without warning.
    while (victim.lines.length < 10) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, Math.random() * 50));
    victim.child.kill('SIGKILL');
    await new Promise((r) => victim.child.once('exit', r));
    const acknowledged = victim.lines.length - 1; // the first line is the address JSON
    // A survivor (started after the crash, lock stale after 500 ms) takes over.
    const survivor = start('survivor.test', 'serve', 500);
    const view = await inbox((await survivor.ready).imap);
    const flooded = [...view.values()].filter((s) => s.startsWith('flood '));
    expect(view.size).toBe(before + flooded.length);
    // Every acknowledged delivery is there, each once; at most the one in flight beyond them.
    expect(flooded.length).toBeGreaterThanOrEqual(acknowledged);
    expect(flooded.length).toBeLessThanOrEqual(acknowledged + 1);
    expect(new Set(flooded).size).toBe(flooded.length);
    // And every visible file is complete.
    const dir = join(root.path, 'example.org', 'alice');
    for (const sub of ['new', 'cur']) {
      for (const file of await readdir(join(dir, sub))) {
        const text = await readFile(join(dir, sub, file), 'utf8');
        if (text.startsWith('Subject: flood') || text.includes('\nSubject: flood'))
          expect(text).toMatch(/\nEND \d+\n$/);
      }
    }
  }, 60_000);
});
