import { SearchEvaluator, type SearchTarget } from '../search/search-eval.js';
import { parseSearch } from '../search/search-parser.js';
import { type CommandContext, type ImapCommand, ok, SELECTED, type TaggedReply } from './command.js';

async function search({ session, args, uid }: CommandContext): Promise<TaggedReply> {
  const tokens = [];
  while (args.remaining > 0) tokens.push(args.next('search key'));
  const criterion = parseSearch(tokens);
  const selected = session.selected!;
  const mailbox = selected.mailbox;
  await mailbox.sync();
  const evaluator = new SearchEvaluator(selected.uids);
  const found: number[] = [];
  for (let i = 0; i < selected.uids.length; i++) {
    const messageUid = selected.uids[i]!;
    const entry = mailbox.entry(messageUid);
    if (!entry) continue; // expunged, not reported yet
    const target: SearchTarget = {
      uid: messageUid,
      flags: selected.flags(entry),
      recent: selected.isRecent(entry),
      size: async () =>
        entry.crlfSize ?? (await session.context.messages.load(mailbox, messageUid))?.data.length ?? 0,
      internalDate: () => mailbox.internalDate(messageUid),
      message: () => session.context.messages.load(mailbox, messageUid),
    };
    if (await evaluator.matches(criterion, target)) found.push(uid ? messageUid : i + 1);
  }
  session.send(`* SEARCH${found.map((n) => ` ${n}`).join('')}`);
  return ok('Search completed.');
}

export const SEARCH: ImapCommand = { name: 'SEARCH', states: SELECTED, allowExpunge: false, handle: search };
export const UID_SEARCH: ImapCommand = { name: 'UID SEARCH', states: SELECTED, handle: search };
