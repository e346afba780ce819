import { type CommandContext, type ImapCommand, no, SELECTED, type TaggedReply } from './command.js';
import { copyMessages } from './copy.js';

/** RFC 6851: copy, report COPYUID untagged, expunge the sources (the EXPUNGEs follow as updates). */
async function move({ session, args, uid }: CommandContext): Promise<TaggedReply> {
  const set = args.atom('sequence set');
  const target = args.astring('mailbox name');
  args.end();
  const selected = session.selected!;
  if (selected.readOnly) return no('Mailbox is read-only.', 'READ-ONLY');
  const { reply, copied } = await copyMessages(session, set, target, uid);
  if (reply.status !== 'OK' || copied.length === 0) return reply;
  session.send(`* OK [${reply.code}] Moved.`);
  await selected.mailbox.expunge(copied);
  return { status: 'OK', text: 'Move completed.' };
}

export const MOVE: ImapCommand = { name: 'MOVE', states: SELECTED, handle: move };
export const UID_MOVE: ImapCommand = { name: 'UID MOVE', states: SELECTED, handle: move };
