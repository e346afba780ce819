import { AUTHENTICATED, bad, type ImapCommand, ok } from './command.js';

/**
 * RFC 2177: untagged updates as they happen until the client sends DONE.
 * A delivery on this node arrives at once (the shared Mailbox emits
 * 'change'); other nodes' changes through the mailbox watcher.
 */
export const IDLE: ImapCommand = {
  name: 'IDLE',
  states: AUTHENTICATED,
  async handle({ session, args }) {
    args.end();
    const selected = session.selected;
    const limits = session.context.limits;
    session.send('+ idling');
    session.push();
    session.idling = true;
    let updates = Promise.resolve();
    const update = () => {
      if (!selected) return;
      updates = updates
        .then(() => selected.notify((line) => session.send(line), true))
        .then(() => session.push())
        .catch((error) => session.logger.warn({ err: (error as Error).message }, 'idle update failed'));
    };
    const unwatch = selected?.mailbox.watch();
    selected?.mailbox.on('change', update);
    update();
    // Keep NAT and firewalls from dropping a quiet connection (as Dovecot's imap_idle_notify_interval).
    const keepalive = setInterval(() => {
      session.send('* OK Still here');
      session.push();
    }, 120_000);
    const timeout = setTimeout(() => {
      session.send('* BYE IDLE timed out.');
      session.close();
    }, limits.idleTimeoutMs);
    let line: string | null;
    try {
      line = await session.reader.readLine();
    } finally {
      clearInterval(keepalive);
      clearTimeout(timeout);
      selected?.mailbox.off('change', update);
      unwatch?.();
      session.idling = false;
      await updates;
    }
    if (line === null) return null;
    if (line.trim().toUpperCase() !== 'DONE') return bad('Expected DONE.');
    return ok('Idle completed.');
  },
};
