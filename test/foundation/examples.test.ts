import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../examples/web-farm/run.sh', import.meta.url));

describe('examples/web-farm/run.sh', () => {
  it('spreads requests, keeps a video on one server, and drains a server', async () => {
    const { stdout } = await run('bash', [script], { timeout: 60_000 });
    const [, first = '', video = '', drained = ''] = stdout.split(/^--- .*$/m);
    expect(new Set(first.match(/web\d/g))).toEqual(new Set(['web1', 'web2', 'web3']));
    const media = video.match(/media\d/g) ?? [];
    expect(media).toHaveLength(2);
    expect(media[0]).toBe(media[1]);
    expect(drained).toContain('web/web3: state drain');
    expect(drained.split('\n').filter((l) => / GET \//.test(l) && l.startsWith('web3'))).toEqual([]);
    expect(stdout).toMatch(/pool web \(wlc, 3 eligible\)/);
  });
});
