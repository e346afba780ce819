import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tempDir } from '@lvs7/testkit';
import { describe, expect, it } from 'vitest';
import { runCli } from '../foundation/helpers.js';
import { EXAMPLE } from './ha-pair-lab.js';

const run = promisify(execFile);

/** The example's files are valid for the programs that read them, without building the lab. */
describe('examples/ha-pair configuration', () => {
  it('lvs7.yaml passes `lvs7 check`', async () => {
    const result = await runCli(['check', '-c', `${EXAMPLE}/lvs7.yaml`]);
    expect(result.stdout, result.stderr).toMatch(/OK \(1 pools, 1 listeners\)/);
    expect(result.code).toBe(0);
  });

  it('renders a keepalived.conf per node that keepalived accepts', async () => {
    const dir = await tempDir('lvs7-ha-conf-');
    try {
      for (const [node, priority, self, peer] of [
        ['lvsA', '150', '10.88.0.2', '10.88.0.3'],
        ['lvsB', '100', '10.88.0.3', '10.88.0.2'],
      ] as const) {
        const { stdout } = await run('bash', [`${EXAMPLE}/netns.sh`, 'keepalived-conf', node, dir.path]);
        const conf = await readFile(stdout.trim(), 'utf8');
        expect(conf).not.toMatch(/@[A-Z]+@/);
        expect(conf).toMatch(new RegExp(`priority ${priority}\\n`));
        expect(conf).toMatch(new RegExp(`unicast_src_ip ${self}\\n`));
        expect(conf).toMatch(new RegExp(`unicast_peer \\{\\s+${peer}\\s+\\}`));
        // keepalived -t: exit 0 only for a config without errors.
        await run('keepalived', ['-t', '-l', '-f', stdout.trim()]);
      }
    } finally {
      await dir.remove();
    }
  });

  it('scripts parse (bash -n)', async () => {
    for (const script of ['netns.sh', 'run.sh']) await run('bash', ['-n', `${EXAMPLE}/${script}`]);
  });
});
