import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Instance } from '@lvs7/cli';
import { type HttpOrigin, startHttpOrigin } from '@lvs7/testkit';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, startInstance } from './helpers.js';

const ARTIFACTS = fileURLToPath(new URL('../../.artifacts/', import.meta.url));

describe('the status page in a real browser (Debian chromium + playwright-core)', () => {
  let browser: Browser;
  let instance: Instance;
  const origins: HttpOrigin[] = [];

  beforeAll(async () => {
    for (const name of ['web1', 'web2']) origins.push(await startHttpOrigin({ name }));
    instance = await startInstance(`
admin: { listen: 127.0.0.1:0 }
pools:
  web:
    scheduler: wlc
    servers:
      - { name: web1, address: ${origins[0]!.address} }
      - { name: web2, address: ${origins[1]!.address} }
    health: { check: http, path: /health, interval: 100ms, timeout: 80ms, rise: 1, fall: 1, jitter: 0% }
`);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await instance?.stop();
    await Promise.all(origins.map((o) => o.stop()));
  });

  it('shows a server going down, and a drain click takes effect', async () => {
    const page = await browser.newPage();
    await page.goto(`${adminUrl(instance)}/`);
    await page.locator('#conn', { hasText: 'live' }).waitFor();
    const row = (name: string) => page.locator(`section.pool[data-pool="web"] tr[data-server="${name}"]`);
    await row('web1').locator('.health', { hasText: 'up' }).waitFor();

    await origins[0]!.stop();
    await row('web1').locator('.health', { hasText: 'down' }).waitFor({ timeout: 5_000 });
    expect(await row('web2').locator('.health').textContent()).toBe('up');

    await row('web2').locator('button[data-act="drain"]').click();
    await row('web2').locator('.state', { hasText: 'drain' }).waitFor({ timeout: 5_000 });
    expect(instance.pools().get('web')!.get('web2')!.state).toBe('drain');

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}status-page.png`, fullPage: true });
  });
});
