import { SYSTEM_FLAGS } from '../../maildir/maildir-name.js';
import { ImapState } from '../imap-state.js';
import { SelectedMailbox } from '../selected.js';
import { AUTHENTICATED, type CommandContext, type ImapCommand, ok, type TaggedReply } from './command.js';

async function select({ session, args }: CommandContext, readOnly: boolean): Promise<TaggedReply> {
  const name = args.astring('mailbox name');
  args.end();
  // A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1).
  session.deselect();
  const handle = await session.store!.open(name);
  let selected: SelectedMailbox;
  try {
    selected = await SelectedMailbox.open(handle, readOnly);
  } catch (error) {
    handle.release();
    throw error;
  }
  const state = selected.mailbox.state;
  const keywords = state.keywords.filter((k): k is string => k !== undefined);
  const flags = [...SYSTEM_FLAGS, ...keywords].join(' ');
  const recent = readOnly ? state.messages.filter((m) => m.sub === 'new').length : selected.recent.size;
  session.send(`* FLAGS (${flags})`);
  session.send(`* OK [PERMANENTFLAGS (${readOnly ? '' : `${flags} \\*`})] Flags permitted.`);
  session.send(`* ${selected.uids.length} EXISTS`);
  session.send(`* ${recent} RECENT`);
  const firstUnseen = state.messages.findIndex((m) => !m.letters.includes('S'));
  if (firstUnseen >= 0) session.send(`* OK [UNSEEN ${firstUnseen + 1}] First unseen.`);
  session.send(`* OK [UIDVALIDITY ${state.uidValidity}] UIDs valid.`);
  session.send(`* OK [UIDNEXT ${state.uidNext}] Predicted next UID.`);
  session.selected = selected;
  session.state = ImapState.Selected;
  return ok(`${readOnly ? 'Examine' : 'Select'} completed.`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
}

export const SELECT: ImapCommand = {
  name: 'SELECT',
  states: AUTHENTICATED,
  notify: false,
  handle: (context) => select(context, false),
};

export const EXAMINE: ImapCommand = {
  name: 'EXAMINE',
  states: AUTHENTICATED,
  notify: false,
  handle: (context) => select(context, true),
};
