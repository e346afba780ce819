import { Pool } from '@lvs7/core';
import { SmtpListener } from '../../src/listener.js';
import type { SmtpListenerOptions } from '../../src/options.js';
import { FakeBackend, type FakeBackendOptions } from './fake-backend.js';
import { FakeDirectory, type FakeUser } from './fake-directory.js';

export const USERS: readonly FakeUser[] = [
  {
    mail: 'alice@example.org',
    aliases: ['a.smith@example.org'],
    host: 'mx1',
    password: 'alice-secret',
  },
  { mail: 'bob@example.org', host: 'mx2', password: 'bob-secret' },
  { mail: 'carol@example.org', password: 'carol-secret' },
  { mail: 'dave@example.org', routingAddress: 'dave@elsewhere.example.net' },
];

export interface Harness {
  readonly listener: SmtpListener;
  readonly port: number;
  readonly backends: FakeBackend[];
  readonly directory: FakeDirectory;
  readonly pool: Pool;
  close(): Promise<void>;
}

/** A listener in front of fake backends mx1 and mx2 (pool `mail`, scheduler `rr` unless given). */
export async function startHarness(
  overrides: Partial<SmtpListenerOptions> = {},
  backendOptions: Partial<FakeBackendOptions> = {},
  scheduler = 'rr',
): Promise<Harness> {
  const backends = await Promise.all(
    ['mx1', 'mx2'].map((name) => new FakeBackend({ name, ...backendOptions }).start()),
  );
  const pool = new Pool('mail', {
    scheduler,
    servers: backends.map((b) => ({ name: b.options.name, address: b.address })),
  });
  const directory = new FakeDirectory(USERS);
  const listener = new SmtpListener({
    name: 'test',
    listen: '127.0.0.1:0',
    hostname: 'lvs7.test',
    directory,
    pool,
    domains: ['example.org'],
    ...overrides,
  });
  await listener.listen();
  return {
    listener,
    port: listener.address()!.port,
    backends,
    directory,
    pool,
    async close() {
      await listener.close({ drainTimeoutMs: 100 });
      pool.close();
      await Promise.all(backends.map((b) => b.stop()));
    },
  };
}
