import type { StoreMode } from '../../maildir/mailbox.js';
import { parseFlags } from '../flags.js';
import { ImapSyntaxError } from '../parser.js';
import { parseSequenceSet, resolveSet } from '../sequence-set.js';
import { type CommandContext, type ImapCommand, no, ok, SELECTED, type TaggedReply } from './command.js';

const MODES: Record<string, StoreMode> = { FLAGS: 'set', '+FLAGS': 'add', '-FLAGS': 'remove' };

async function store({ session, args, uid }: CommandContext): Promise<TaggedReply> {
  const set = parseSequenceSet(args.atom('sequence set'));
  const op = args.atom('flag operation').toUpperCase();
  const silent = op.endsWith('.SILENT');
  const mode = MODES[silent ? op.slice(0, -'.SILENT'.length) : op];
  if (!mode) throw new ImapSyntaxError(`Error in IMAP command STORE: unknown operation ${op.slice(0, 20)}`);
  const tokens = [];
  while (args.remaining > 0) tokens.push(args.next('flags'));
  const flagTokens = tokens.length === 1 && tokens[0]!.type === 'list' ? tokens[0]!.items : tokens;
  const flags = parseFlags(flagTokens, 'STORE');
  const selected = session.selected!;
  if (selected.readOnly) return no('Mailbox is read-only.', 'READ-ONLY');
  const mailbox = selected.mailbox;
  const uids = resolveSet(set, selected.uids, uid);
  await mailbox.store(uids, mode, flags);
  for (const messageUid of uids) {
    const entry = mailbox.entry(messageUid);
    if (!entry) continue;
    selected.reported(entry);
    // .SILENT suppresses the echo of what the client asked for, not of other changes.
    if (silent) continue;
    const uidPart = uid ? ` UID ${messageUid}` : '';
    session.send(
      `* ${selected.seqOf(messageUid)} FETCH (FLAGS (${selected.flags(entry).join(' ')})${uidPart})`,
    );
  }
  return ok('Store completed.');
}

export const STORE: ImapCommand = { name: 'STORE', states: SELECTED, allowExpunge: false, handle: store };
export const UID_STORE: ImapCommand = { name: 'UID STORE', states: SELECTED, handle: store };
