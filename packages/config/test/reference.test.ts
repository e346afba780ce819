import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReference } from '../src/index.js';

describe('docs/configuration.md', () => {
  it('is the reference generated from the schema (run: node scripts/config-reference.mjs > docs/configuration.md)', () => {
    const committed = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(committed).toBe(configReference());
  });

  it('lists every top-level section and the listener protocols', () => {
    const text = configReference();
    for (const key of ['admin', 'pools', 'listeners', 'directories', 'state', 'site', 'mailstore', 'cache']) {
      expect(text).toContain(`| \`${key}\` |`);
    }
    for (const protocol of ['http', 'imap|pop3', 'smtp'])
      expect(text).toContain(`listeners[protocol=${protocol}]`);
  });
});
