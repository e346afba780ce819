import { readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Mailbox } from '../src/maildir/mailbox.js';
import { FileMailboxLock } from '../src/maildir/mailbox-lock.js';
import { MailboxRegistry } from '../src/maildir/mailbox-registry.js';
import { INBOX, UserStore } from '../src/maildir/user-store.js';
import { sampleMessage, tempRoot } from './helpers.js';

let root: Awaited<ReturnType<typeof tempRoot>>;
beforeEach(async () => {
  root = await tempRoot();
});
afterEach(() => root.remove());

/** A Mailbox as one node sees it (each "node" has its own objects and lock). */
function nodeMailbox(owner: string): Mailbox {
  return new Mailbox(INBOX, root.path, { lock: new FileMailboxLock({ owner }), fsync: false });
}

describe('Mailbox', () => {
  it('delivers into new/ with sizes in the name and numbers messages in order', async () => {
    const box = nodeMailbox('n1');
    await box.create();
    const uids = [];
    const first = sampleMessage('m0');
    uids.push((await box.append(Buffer.from(first))).uid);
    for (let i = 1; i < 3; i++) uids.push((await box.append(Buffer.from(sampleMessage(`m${i}`)))).uid);
    expect(uids).toEqual([1, 2, 3]);
    const state = await box.sync();
    expect(state.messages.map((m) => [m.uid, m.sub])).toEqual([
      [1, 'new'],
      [2, 'new'],
      [3, 'new'],
    ]);
    const message = state.messages[0]!;
    const stored = (await box.read(1))!;
    expect(stored.includes(13)).toBe(false); // LF on disk
    expect(message.size).toBe(stored.length);
    expect(message.crlfSize).toBe(Buffer.byteLength(first));
    expect(state.uidNext).toBe(4);
  });

  it('never shows what is still in tmp/', async () => {
    const box = nodeMailbox('n1');
    await box.create();
    await writeFile(join(root.path, 'tmp', '123.half.host'), 'From: half');
    expect((await box.sync()).messages).toHaveLength(0);
  });

  it('numbers messages another MDA dropped into new/', async () => {
    const box = nodeMailbox('n1');
    await box.create();
    await box.append(Buffer.from(sampleMessage('ours')));
    await writeFile(join(root.path, 'new', '1700000000.P1.other'), sampleMessage('theirs'));
    const state = await box.sync();
    expect(state.messages.map((m) => [m.uid, m.base])).toEqual([
      [1, expect.stringMatching(/,S=/)],
      [2, '1700000000.P1.other'],
    ]);
  });

  it('moves new mail to cur/ once: the first claimer gets \\Recent', async () => {
    const a = nodeMailbox('a');
    const b = nodeMailbox('b');
    await a.create();
    await a.append(Buffer.from(sampleMessage('x')));
    await a.sync();
    await b.sync();
    const [first, second] = await Promise.all([a.claimNew(), b.claimNew()]);
    expect([...first, ...second]).toEqual([1]);
    expect(await readdir(join(root.path, 'cur'))).toEqual([expect.stringMatching(/:2,$/)]);
  });

  it('changes flags by renaming, keywords through dovecot-keywords', async () => {
    const box = nodeMailbox('n1');
    await box.create();
    await box.append(Buffer.from(sampleMessage('x')));
    await box.sync();
    await box.store([1], 'add', ['\\Seen', '$Junk']);
    expect(box.flagsOf(box.entry(1)!)).toEqual(['\\Seen', '$Junk']);
    await box.store([1], 'remove', ['\\Seen']);
    await box.store([1], 'add', ['\\Flagged']);
    expect((await readdir(join(root.path, 'cur')))[0]).toMatch(/:2,Fa$/);
    await box.store([1], 'set', ['\\Answered']);
    expect(box.flagsOf(box.entry(1)!)).toEqual(['\\Answered']);
    // Another node sees the same.
    const other = nodeMailbox('n2');
    await other.sync();
    expect(other.flagsOf(other.entry(1)!)).toEqual(['\\Answered']);
  });

  it('follows a message another node renamed meanwhile', async () => {
    const a = nodeMailbox('a');
    const b = nodeMailbox('b');
    await a.create();
    await a.append(Buffer.from(sampleMessage('x')), { flags: ['\\Seen'] });
    await a.sync();
    await b.sync();
    await b.store([1], 'add', ['\\Flagged']); // a's idea of the file name is now stale
    const changed = await a.store([1], 'add', ['\\Answered']);
    expect(changed.map((e) => e.letters)).toEqual(['FRS']);
  });

  it('expunges files and their uid list records', async () => {
    const box = nodeMailbox('n1');
    await box.create();
    for (let i = 0; i < 3; i++) await box.append(Buffer.from(sampleMessage(`m${i}`)));
    await box.sync();
    expect(await box.expunge([2])).toEqual([2]);
    const fresh = nodeMailbox('n2');
    expect((await fresh.sync()).messages.map((m) => m.uid)).toEqual([1, 3]);
    expect((await fresh.sync()).uidNext).toBe(4);
  });

  it('sees a message moved by rename while scanning as still there', async () => {
    const box = nodeMailbox('n1');
    await box.create();
    await box.append(Buffer.from(sampleMessage('x')));
    await box.sync();
    const [name] = await readdir(join(root.path, 'new'));
    await rename(join(root.path, 'new', name!), join(root.path, 'cur', `${name}:2,S`));
    const state = await box.sync();
    expect(state.messages.map((m) => [m.uid, m.sub, m.letters])).toEqual([[1, 'cur', 'S']]);
  });

  it('keeps UIDs unique when two nodes deliver to one mailbox at once', async () => {
    const nodes = [nodeMailbox('a'), nodeMailbox('b')];
    await nodes[0]!.create();
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => nodes[i % 2]!.append(Buffer.from(sampleMessage(`m${i}`)))),
    );
    const uids = results.map((r) => r.uid).sort((x, y) => x - y);
    expect(uids).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const [a, b] = await Promise.all(nodes.map((n) => n.sync()));
    expect(a!.messages.map((m) => m.uid)).toEqual(uids);
    expect(b!.messages.map((m) => [m.uid, m.base])).toEqual(a!.messages.map((m) => [m.uid, m.base]));
    expect(a!.uidValidity).toBe(b!.uidValidity);
  });
});

describe('UserStore', () => {
  it('keeps folders as Maildir++ directories', async () => {
    const store = new UserStore(
      root.path,
      new MailboxRegistry({ lock: new FileMailboxLock(), fsync: false }),
    );
    await store.create('Sent');
    await store.create('Archive/2024');
    expect(await store.list()).toEqual(['INBOX', 'Archive/2024', 'Sent']);
    expect(await readdir(root.path)).toEqual(expect.arrayContaining(['.Sent', '.Archive.2024']));
    await expect(store.create('sent.old')).rejects.toThrow(/not allowed/);
    await expect(store.create('Sent')).rejects.toThrow(/already exists/);
    await store.rename('Archive', 'Old').catch(() => {}); // Archive itself does not exist
    await store.create('Archive');
    await store.rename('Archive', 'Old');
    expect(await store.list()).toEqual(['INBOX', 'Old', 'Old/2024', 'Sent']);
    await expect(store.delete('Old')).rejects.toThrow(/child/);
    await store.delete('Old/2024');
    await store.delete('Old');
    expect(await store.list()).toEqual(['INBOX', 'Sent']);
  });

  it('writes subscriptions in the format Dovecot 2.3 reads', async () => {
    const store = new UserStore(
      root.path,
      new MailboxRegistry({ lock: new FileMailboxLock(), fsync: false }),
    );
    await store.subscribe('Sent', true);
    await store.subscribe('A/B', true);
    await store.subscribe('Sent', false);
    expect(await store.subscriptions()).toEqual(['A/B']);
  });
});
