import { createHealthProbe } from '@lvs7/core';
import { afterEach, describe, expect, it } from 'vitest';
import '../src/index.js';
import { FakeBackend } from './helpers/fake-backend.js';

const backends: FakeBackend[] = [];
afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.stop()));
});

async function backend(options: ConstructorParameters<typeof FakeBackend>[0]): Promise<FakeBackend> {
  const b = await new FakeBackend(options).start();
  backends.push(b);
  return b;
}

function check(type: string, b: FakeBackend, options: Record<string, unknown> = {}): Promise<unknown> {
  return createHealthProbe(type, options).check(
    { host: '127.0.0.1', port: b.port, name: b.options.name },
    AbortSignal.timeout(2000),
  );
}

describe('smtp and lmtp health checks', () => {
  it('pass on 220 + EHLO (LHLO) 250, and say QUIT', async () => {
    const smtp = await backend({ name: 'mx1' });
    await expect(check('smtp', smtp, { host: 'probe.test' })).resolves.toMatch(/EHLO answered/);
    const lmtp = await backend({ name: 'lmtp1', lmtp: true });
    await expect(check('lmtp', lmtp)).resolves.toMatch(/LHLO answered/);
    expect(smtp.commands).toEqual(['EHLO probe.test', 'QUIT']);
  });

  it('fail on a 421 greeting, a wrong protocol, or nothing listening', async () => {
    const busy = await backend({ name: 'busy', greeting: '421 4.3.2 too busy' });
    await expect(check('smtp', busy)).rejects.toThrow(/greeting: 421/);
    const smtpOnly = await backend({ name: 'mx1' });
    await expect(check('lmtp', smtpOnly)).rejects.toThrow(/LHLO: 500/);
    const gone = await backend({ name: 'gone' });
    await gone.stop();
    await expect(check('smtp', gone)).rejects.toThrow(/connect failed/);
  });

  it('reject unknown options', () => {
    expect(() => createHealthProbe('smtp', { path: '/' })).toThrow(/unknown option/);
  });
});
