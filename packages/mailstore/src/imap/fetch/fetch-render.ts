import type { LoadedMessage } from '../../maildir/message-cache.js';
import type { ImapSession } from '../imap-session.js';
import type { SelectedMailbox } from '../selected.js';
import { formatInternalDate, ImapOut } from '../wire.js';
import type { FetchItem } from './fetch-items.js';
import { applyPartial, sectionData } from './sections.js';
import { writeBodyStructure, writeEnvelope } from './structure.js';

const CONTENT_ITEMS = new Set(['ENVELOPE', 'BODY', 'BODYSTRUCTURE', 'section']);

/** Does rendering these items need the message file? */
export function needsMessage(items: readonly FetchItem[], sizeKnown: boolean): boolean {
  return items.some((i) => CONTENT_ITEMS.has(i.type) || (i.type === 'RFC822.SIZE' && !sizeKnown));
}

/**
 * One `* n FETCH (...)` response, or undefined when the message is gone.
 * `extraFlags` appends FLAGS when a body fetch just set \Seen.
 */
export async function renderFetch(
  session: ImapSession,
  selected: SelectedMailbox,
  uid: number,
  items: readonly FetchItem[],
  withUid: boolean,
  extraFlags: boolean,
): Promise<Buffer | undefined> {
  const mailbox = selected.mailbox;
  const entry = mailbox.entry(uid);
  if (!entry) return undefined;
  let message: LoadedMessage | undefined;
  if (needsMessage(items, entry.crlfSize !== undefined)) {
    message = await session.context.messages.load(mailbox, uid);
    if (!message) return undefined;
  }
  const internalDate = items.some((i) => i.type === 'INTERNALDATE')
    ? await mailbox.internalDate(uid)
    : undefined;
  // Everything is loaded: the rest is synchronous (no await per item and message).
  const out = new ImapOut().raw(`* ${selected.seqOf(uid)} FETCH (`);
  let first = true;
  const next = () => {
    if (!first) out.raw(' ');
    first = false;
    return out;
  };
  const flags = () => `FLAGS (${selected.flags(mailbox.entry(uid) ?? entry).join(' ')})`;
  if (withUid && !items.some((i) => i.type === 'UID')) next().raw(`UID ${uid}`);
  for (const item of items) {
    switch (item.type) {
      case 'UID':
        next().raw(`UID ${uid}`);
        break;
      case 'FLAGS':
        next().raw(flags());
        break;
      case 'RFC822.SIZE':
        next().raw(`RFC822.SIZE ${entry.crlfSize ?? message!.data.length}`);
        break;
      case 'INTERNALDATE':
        next().raw(`INTERNALDATE ${formatInternalDate(internalDate!)}`);
        break;
      case 'ENVELOPE':
        writeEnvelope(next().raw('ENVELOPE '), message!.tree.headers);
        break;
      case 'BODY':
      case 'BODYSTRUCTURE':
        writeBodyStructure(
          next().raw(`${item.type} `),
          message!.tree,
          message!.data,
          item.type === 'BODYSTRUCTURE',
        );
        break;
      case 'section':
        next()
          .raw(`${item.label} `)
          .literal(applyPartial(sectionData(message!.data, message!.tree, item.section), item.partial));
        break;
    }
  }
  if (extraFlags && !items.some((i) => i.type === 'FLAGS')) next().raw(flags());
  return out.raw(')\r\n').toBuffer();
}
