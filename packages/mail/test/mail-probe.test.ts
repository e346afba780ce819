import { createHealthProbe, HealthCheckFailedError, InvalidHealthCheckOptionError } from '@lvs7/core';
import { afterEach, describe, expect, it } from 'vitest';
import '../src/index.js';
import { FakeBackend } from './helpers/fake-backend.js';

const backends: FakeBackend[] = [];
afterEach(async () => {
  for (const b of backends.splice(0)) await b.stop();
});

async function backend(protocol: 'imap' | 'pop3'): Promise<FakeBackend> {
  const b = await new FakeBackend({ name: 'mail1', protocol, users: { probe: 'probe-pw' } }).start();
  backends.push(b);
  return b;
}
const target = (b: FakeBackend) => ({ name: 'mail1', host: '127.0.0.1', port: b.port });

describe('imap and pop3 health checks', () => {
  it.each(['imap', 'pop3'] as const)(
    '%s: passes on a greeting, and with probe credentials on a login',
    async (protocol) => {
      const b = await backend(protocol);
      const signal = AbortSignal.timeout(5000);
      expect(await createHealthProbe(protocol).check(target(b), signal)).toMatch(/^greeting in \d+ ms$/);
      const login = createHealthProbe(protocol, { user: 'probe', password: 'probe-pw' });
      expect(await login.check(target(b), signal)).toMatch(/^login in \d+ ms$/);
      const bad = createHealthProbe(protocol, { user: 'probe', password: 'wrong' });
      await expect(bad.check(target(b), signal)).rejects.toThrow(/login refused/);
    },
  );

  it('fails when nothing listens', async () => {
    const b = await backend('imap');
    const t = target(b);
    await b.stop();
    backends.length = 0;
    await expect(createHealthProbe('imap').check(t, AbortSignal.timeout(5000))).rejects.toBeInstanceOf(
      HealthCheckFailedError,
    );
  });

  it('fails on a wrong greeting (an IMAP check against a POP3 server)', async () => {
    const b = await backend('pop3');
    await expect(createHealthProbe('imap').check(target(b), AbortSignal.timeout(5000))).rejects.toThrow(
      /bad greeting/,
    );
  });

  it('rejects unknown or inconsistent options', () => {
    expect(() => createHealthProbe('imap', { usr: 'x' })).toThrow(InvalidHealthCheckOptionError);
    expect(() => createHealthProbe('pop3', { user: 'x' })).toThrow(InvalidHealthCheckOptionError);
    expect(() => createHealthProbe('pop3', { tls: 'maybe' })).toThrow(InvalidHealthCheckOptionError);
  });
});
