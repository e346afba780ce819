import type { AddressInfo } from 'node:net';
import { MemoryStateStore, Pool } from '@lvs7/core';
import { MailListener } from '../../src/mail-listener.js';
import type { MailListenerOptions, MailProtocol } from '../../src/options.js';
import { FakeBackend, type FakeBackendOptions } from './fake-backend.js';
import { FakeDirectory } from './fake-directory.js';

export const USERS = { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol pw', 'dave@example.org': 'dave-pw' };

export interface Harness {
  readonly listener: MailListener;
  readonly port: number;
  readonly pool: Pool;
  readonly directory: FakeDirectory;
  readonly backends: readonly FakeBackend[];
  stop(): Promise<void>;
}

/** A listener in front of two fake backends: alice on mail1, bob on mail2, carol and dave hashed. */
export async function startHarness(
  protocol: MailProtocol,
  options: Partial<MailListenerOptions> = {},
  backendOptions: Partial<FakeBackendOptions> = {},
): Promise<Harness> {
  const backends = await Promise.all(
    ['mail1.example.org', 'mail2.example.org'].map((name) =>
      new FakeBackend({ name, protocol, users: USERS, ...backendOptions }).start(),
    ),
  );
  const pool = new Pool(`mail-${protocol}`, {
    scheduler: 'mh',
    servers: backends.map((b) => ({ name: b.options.name, address: b.address })),
  });
  const directory = new FakeDirectory([
    { uid: 'alice', host: 'mail1.example.org' },
    { uid: 'bob', host: 'mail2.example.org' },
    { uid: 'carol' },
    { uid: 'dave', mailbox: 'dave@example.org' },
  ]);
  const listener = new MailListener({
    name: protocol,
    protocol,
    listen: '127.0.0.1:0',
    directory,
    pool,
    state: new MemoryStateStore(),
    ...options,
    limits: { authFailureDelay: 0, ...options.limits },
  } as MailListenerOptions);
  await listener.listen();
  return {
    listener,
    port: (listener.address() as AddressInfo).port,
    pool,
    directory,
    backends,
    async stop() {
      await listener.close({ drainTimeoutMs: 0 });
      await Promise.all(backends.map((b) => b.stop()));
      pool.close();
    },
  };
}
