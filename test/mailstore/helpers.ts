import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export { RawClient, sendLmtp } from '../../packages/mailstore/test/clients.js';
export { FORWARD, MULTIPART, PLAIN } from '../../packages/mailstore/test/fixtures.js';
export {
  MemoryDirectory,
  sampleMessage,
  silentLogger,
  startTestNode,
  TEST_USERS,
  type TestNode,
  tempRoot,
} from '../../packages/mailstore/test/helpers.js';

const run = promisify(execFile);

/**
 * Runs a Python 3 script (the real imaplib/poplib clients) with `args` in
 * sys.argv[1:]; the script prints one JSON document, which is returned.
 */
export async function runPython<T = unknown>(script: string, args: readonly (string | number)[]): Promise<T> {
  try {
    const { stdout } = await run('python3', ['-c', script, ...args.map(String)], { timeout: 30_000 });
    return JSON.parse(stdout) as T;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`python failed: ${e.message}\n${e.stderr ?? ''}\n${e.stdout ?? ''}`);
  }
}
