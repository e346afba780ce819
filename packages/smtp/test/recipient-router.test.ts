import { Pool } from '@lvs7/core';
import { describe, expect, it } from 'vitest';
import { ConnectionCache } from '../src/backend/connection-cache.js';
import { SmtpError } from '../src/errors.js';
import { DEFAULT_BACKEND, type ResolvedBackendOptions } from '../src/options.js';
import { RecipientPlacement } from '../src/routing/placement.js';
import { type BackendRoute, type RecipientRoute, RecipientRouter } from '../src/routing/recipient-router.js';
import { FakeDirectory } from './helpers/fake-directory.js';
import { USERS } from './helpers/setup.js';

function route(
  kind: BackendRoute['kind'],
  pool: Pool,
  backend: ResolvedBackendOptions = DEFAULT_BACKEND,
): BackendRoute {
  const placement =
    kind === 'mailbox' ? new RecipientPlacement(pool, new FakeDirectory([]), undefined) : undefined;
  return {
    kind,
    pool,
    backend,
    connections: new ConnectionCache({ ...backend, helo: 'lvs7.test' }),
    placement,
  };
}

const pool = new Pool('mail', {
  scheduler: 'rr',
  servers: [
    { name: 'mx1', address: '127.0.0.1:2501' },
    { name: 'mx2', address: '127.0.0.1:2502' },
  ],
});
const relayPool = new Pool('relay', {
  scheduler: 'rr',
  servers: [{ name: 'out1', address: '127.0.0.1:2601' }],
});
const domains = new Set(['example.org']);

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SmtpError)) throw new Error(`expected an SmtpError, got ${String(error)}`);
  const r = error.reply;
  return `${r.code} ${r.enhanced}`;
}

describe('RecipientRouter', () => {
  const directory = new FakeDirectory(USERS);
  const router = new RecipientRouter(domains, directory, route('mailbox', pool), route('relay', relayPool));

  const pinnedTo = (r: RecipientRoute) => r.route.placement?.place(r.entry!);

  it('finds a mailbox by its address or an alias, pinned to the server mailHost names', async () => {
    const byMail = await router.route('Alice@Example.ORG', false);
    expect(byMail).toMatchObject({ forwardPath: 'alice@example.org', key: 'alice@example.org' });
    expect(pinnedTo(byMail)).toEqual({ server: pool.get('mx1'), pinned: true });
    const byAlias = await router.route('a.smith@example.org', false);
    expect(byAlias.forwardPath).toBe('alice@example.org');
    expect(pinnedTo(byAlias)?.server).toBe(pool.get('mx1'));
    expect(pinnedTo(await router.route('bob@example.org', false))?.server).toBe(pool.get('mx2'));
  });

  it('leaves a mailbox without mailHost to the scheduler', async () => {
    const carol = await router.route('carol@example.org', false);
    expect(pinnedTo(carol)?.pinned).toBe(false);
    expect(carol.route.kind).toBe('mailbox');
  });

  it('refuses unknown local users with 550 5.1.1', async () => {
    expect(await refusal(router.route('nobody@example.org', false))).toBe('550 5.1.1');
  });

  it('never relays for unauthenticated clients: 554 5.7.1', async () => {
    expect(await refusal(router.route('someone@example.net', false))).toBe('554 5.7.1');
    expect(await refusal(router.route('someone@[192.0.2.1]', false))).toBe('554 5.7.1');
  });

  it('relays for authenticated clients through the relay pool, and only if there is one', async () => {
    const out = await router.route('someone@example.net', true);
    expect(out.route.kind).toBe('relay');
    expect(out.route.pool).toBe(relayPool);
    const noRelay = new RecipientRouter(domains, directory, route('mailbox', pool), undefined);
    expect(await refusal(noRelay.route('someone@example.net', true))).toBe('554 5.7.1');
  });

  it('answers 451 4.3.0, never 5xx, when the directory is down', async () => {
    const down = new FakeDirectory(USERS);
    down.down = true;
    const r = new RecipientRouter(domains, down, route('mailbox', pool), undefined);
    expect(await refusal(r.route('alice@example.org', false))).toBe('451 4.3.0');
    // Whatever the directory throws.
    const broken = { ...down, lookup: () => Promise.reject(new TypeError('bug')) };
    const r2 = new RecipientRouter(
      domains,
      broken as unknown as FakeDirectory,
      route('mailbox', pool),
      undefined,
    );
    expect(await refusal(r2.route('alice@example.org', false))).toBe('451 4.3.0');
  });

  it('rewrites to mailRoutingAddress (off-cluster: relay pool, else the SMTP backends route it on; LMTP: 551)', async () => {
    expect(await router.route('dave@example.org', false)).toMatchObject({
      forwardPath: 'dave@elsewhere.example.net',
    });
    expect((await router.route('dave@example.org', false)).route.kind).toBe('relay');
    const smtpOnly = new RecipientRouter(domains, directory, route('mailbox', pool), undefined);
    expect(await smtpOnly.route('dave@example.org', false)).toMatchObject({
      forwardPath: 'dave@elsewhere.example.net',
    });
    const lmtp = new RecipientRouter(
      domains,
      directory,
      route('mailbox', pool, { ...DEFAULT_BACKEND, protocol: 'lmtp' }),
      undefined,
    );
    expect(await refusal(lmtp.route('dave@example.org', false))).toBe('551 5.1.6');
  });

  it('maps bare Postmaster to the first domain', async () => {
    const pm = new RecipientRouter(
      domains,
      new FakeDirectory([{ mail: 'postmaster@example.org' }]),
      route('mailbox', pool),
      undefined,
    );
    expect((await pm.route('Postmaster', false)).forwardPath).toBe('postmaster@example.org');
  });
});
