import { Pool } from '@lvs7/core';
import { describe, expect, it } from 'vitest';
import { InvalidSmtpOptionError } from '../src/errors.js';
import type { SmtpListenerOptions } from '../src/options.js';
import { resolveSmtpListenerOptions } from '../src/resolve-options.js';
import { FakeDirectory } from './helpers/fake-directory.js';

const pool = new Pool('mail', { scheduler: 'rr', servers: [{ name: 'mx1', address: '127.0.0.1:25' }] });
const base: SmtpListenerOptions = {
  name: 'mx',
  listen: '127.0.0.1:25',
  directory: new FakeDirectory([]),
  pool,
  domains: ['Example.ORG'],
  hostname: 'mx.example.org',
};

function problems(options: Record<string, unknown>): readonly string[] {
  try {
    resolveSmtpListenerOptions({ ...base, ...options } as SmtpListenerOptions);
  } catch (error) {
    if (error instanceof InvalidSmtpOptionError) return error.problems;
    throw error;
  }
  return [];
}

describe('resolveSmtpListenerOptions', () => {
  it('fills in defaults and freezes', () => {
    const o = resolveSmtpListenerOptions(base);
    expect(o.domains).toEqual(new Set(['example.org']));
    expect(o.limits).toMatchObject({
      maxRecipients: 100,
      maxLineLength: 2048,
      maxErrors: 10,
      maxConnectionsPerIp: 50,
    });
    expect(o.backend).toMatchObject({ protocol: 'smtp', clientInfo: 'auto', maxIdlePerServer: 16 });
    expect(o.maxMessageSize).toBe(25 * 1024 * 1024);
    expect(Object.isFrozen(o) && Object.isFrozen(o.limits)).toBe(true);
  });

  it('reports every problem at once', () => {
    expect(
      problems({
        listen: 'nowhere',
        domains: [],
        bogus: 1,
        limits: { maxRecipients: 0, maxLineLength: 100, typo: 1 },
        backend: { protocol: 'pop3', maxIdlePerServer: -1 },
        tls: { cert: '', key: 'k' },
      }),
    ).toEqual([
      'bogus: unknown option',
      'listen: invalid address "nowhere": expected host:port',
      'domains: expected at least one domain',
      'backend.protocol: expected one of smtp, lmtp',
      'backend.maxIdlePerServer: expected an integer >= 0',
      'tls.cert: expected PEM text or a file path',
      'limits.typo: unknown option',
      'limits.maxRecipients: expected an integer >= 1',
      'limits.maxLineLength: expected an integer >= 512',
    ]);
  });

  it('refuses AUTH that could never be offered (requireTls without tls)', () => {
    expect(problems({ auth: {} })).toEqual(['auth.requireTls: needs tls (or set requireTls: false)']);
    expect(problems({ auth: { requireTls: false } })).toEqual([]);
  });
});
