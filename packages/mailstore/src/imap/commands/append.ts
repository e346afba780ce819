import { QuotaExceededError } from '../../errors.js';
import { parseFlags } from '../flags.js';
import { ImapSyntaxError } from '../parser.js';
import { MONTHS } from '../wire.js';
import { AUTHENTICATED, type ImapCommand, no, ok } from './command.js';

/** `"17-Jul-1996 02:44:25 -0700"` */
function parseDateTime(text: string): Date {
  const m = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text);
  const month = m ? MONTHS.findIndex((name) => name.toLowerCase() === m[2]!.toLowerCase()) : -1;
  if (!m || month < 0) throw new ImapSyntaxError('Error in IMAP command APPEND: invalid date-time');
  const offset = (Number(m[8]) * 60 + Number(m[9])) * (m[7] === '-' ? -1 : 1);
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  return new Date(utc - offset * 60_000);
}

export const APPEND: ImapCommand = {
  name: 'APPEND',
  states: AUTHENTICATED,
  async handle({ session, args }) {
    const name = args.astring('mailbox name');
    let flags: string[] = [];
    let internalDate: Date | undefined;
    if (args.peek()?.type === 'list') flags = parseFlags(args.list('flags'), 'APPEND');
    const next = args.peek();
    if (next?.type === 'string' && !next.literal) internalDate = parseDateTime(args.astring('date-time'));
    const message = args.next('message literal');
    args.end();
    if (message.type !== 'string')
      return { status: 'BAD', text: 'Error in IMAP command APPEND: message must be a literal.' };
    if (message.value.length === 0) return no('Message is empty.');
    const store = session.store!;
    const account = session.account!;
    if (!(await store.exists(name))) return no(`Mailbox doesn't exist: ${name}`, 'TRYCREATE');
    if (account.quotaBytes !== undefined) {
      const { bytes } = await store.usage();
      if (bytes + message.value.length > account.quotaBytes) {
        throw new QuotaExceededError(account.address, bytes, account.quotaBytes);
      }
    }
    const handle = await store.open(name);
    try {
      const options = { flags, ...(internalDate ? { internalDate } : {}) };
      const { uid, uidValidity } = await handle.mailbox.append(message.value, options);
      return ok('Append completed.', `APPENDUID ${uidValidity} ${uid}`);
    } finally {
      handle.release();
    }
  },
};
