import { parseSequenceSet, resolveSet } from '../sequence-set.js';
import { type CommandContext, type ImapCommand, no, ok, SELECTED, type TaggedReply } from './command.js';

/**
 * Removes \Deleted messages (UID EXPUNGE: only those in the set, RFC 4315).
 * The untagged EXPUNGE responses come from the update after the command.
 */
async function expunge({ session, args, uid }: CommandContext): Promise<TaggedReply> {
  const only = uid
    ? new Set(resolveSet(parseSequenceSet(args.atom('UID set')), session.selected!.uids, true))
    : undefined;
  args.end();
  const selected = session.selected!;
  if (selected.readOnly) return no('Mailbox is read-only.', 'READ-ONLY');
  await selected.mailbox.sync();
  const doomed = selected.mailbox.state.messages
    .filter((m) => m.letters.includes('T') && (only === undefined || only.has(m.uid)))
    .map((m) => m.uid);
  if (doomed.length > 0) await selected.mailbox.expunge(doomed);
  return ok('Expunge completed.');
}

export const EXPUNGE: ImapCommand = { name: 'EXPUNGE', states: SELECTED, handle: expunge };
export const UID_EXPUNGE: ImapCommand = { name: 'UID EXPUNGE', states: SELECTED, handle: expunge };
