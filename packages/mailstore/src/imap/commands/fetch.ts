import { parseFetchItems } from '../fetch/fetch-items.js';
import { renderFetch } from '../fetch/fetch-render.js';
import { parseSequenceSet, resolveSet } from '../sequence-set.js';
import { type CommandContext, type ImapCommand, ok, SELECTED, type TaggedReply } from './command.js';

async function fetch({ session, args, uid }: CommandContext): Promise<TaggedReply> {
  const set = parseSequenceSet(args.atom('sequence set'));
  const items = parseFetchItems(args.next('fetch items'));
  args.end();
  const selected = session.selected!;
  const mailbox = selected.mailbox;
  const uids = resolveSet(set, selected.uids, uid);
  // Reading a body without PEEK marks the message \Seen, reported with the FETCH.
  const marksSeen = !selected.readOnly && items.some((i) => i.type === 'section' && !i.peek);
  const newlySeen = new Set<number>();
  if (marksSeen) {
    const unseen = uids.filter((u) => {
      const entry = mailbox.entry(u);
      return entry !== undefined && !entry.letters.includes('S');
    });
    for (const entry of await mailbox.store(unseen, 'add', ['\\Seen'])) {
      newlySeen.add(entry.uid);
      selected.reported(entry);
    }
  }
  let missing = false;
  for (const messageUid of uids) {
    const response = await renderFetch(session, selected, messageUid, items, uid, newlySeen.has(messageUid));
    if (response === undefined) missing = true;
    else session.write(response);
    if (session.needsFlush) await session.flush();
  }
  if (missing) return ok('Fetch completed; some messages were expunged meanwhile.', 'EXPUNGEISSUED');
  return ok('Fetch completed.');
}

export const FETCH: ImapCommand = { name: 'FETCH', states: SELECTED, allowExpunge: false, handle: fetch };
export const UID_FETCH: ImapCommand = { name: 'UID FETCH', states: SELECTED, handle: fetch };
