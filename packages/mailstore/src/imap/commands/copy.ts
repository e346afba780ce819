import { QuotaExceededError } from '../../errors.js';
import type { ImapSession } from '../imap-session.js';
import { formatSet, parseSequenceSet, resolveSet } from '../sequence-set.js';
import { type CommandContext, type ImapCommand, no, ok, SELECTED, type TaggedReply } from './command.js';

export interface CopyResult {
  readonly reply: TaggedReply;
  /** Source uids copied. */
  readonly copied: number[];
}

/** Copies messages with their flags and INTERNALDATE; the reply carries COPYUID (RFC 4315). */
export async function copyMessages(
  session: ImapSession,
  setText: string,
  target: string,
  byUid: boolean,
): Promise<CopyResult> {
  const selected = session.selected!;
  const source = selected.mailbox;
  const uids = resolveSet(parseSequenceSet(setText), selected.uids, byUid);
  const store = session.store!;
  if (!(await store.exists(target)))
    return { reply: no(`Mailbox doesn't exist: ${target}`, 'TRYCREATE'), copied: [] };
  const account = session.account!;
  if (account.quotaBytes !== undefined) {
    const adding = uids.reduce((sum, u) => sum + (source.entry(u)?.size ?? 0), 0);
    const { bytes } = await store.usage();
    if (bytes + adding > account.quotaBytes)
      throw new QuotaExceededError(account.address, bytes, account.quotaBytes);
  }
  const handle = await store.open(target);
  const copied: number[] = [];
  const created: number[] = [];
  let uidValidity = 0;
  try {
    for (const uid of uids) {
      const entry = source.entry(uid);
      const data = entry ? await source.read(uid) : undefined;
      if (!entry || !data) continue;
      const internalDate = await source.internalDate(uid);
      const result = await handle.mailbox.append(data, { flags: source.flagsOf(entry), internalDate });
      copied.push(uid);
      created.push(result.uid);
      uidValidity = result.uidValidity;
    }
  } finally {
    handle.release();
  }
  if (copied.length === 0) return { reply: ok('No messages copied.'), copied };
  return {
    reply: ok('Copy completed.', `COPYUID ${uidValidity} ${formatSet(copied)} ${formatSet(created)}`),
    copied,
  };
}

async function copy({ session, args, uid }: CommandContext): Promise<TaggedReply> {
  const set = args.atom('sequence set');
  const target = args.astring('mailbox name');
  args.end();
  return (await copyMessages(session, set, target, uid)).reply;
}

export const COPY: ImapCommand = { name: 'COPY', states: SELECTED, handle: copy };
export const UID_COPY: ImapCommand = { name: 'UID COPY', states: SELECTED, handle: copy };
