import { ConfigError, loadConfigFile } from '@lvs7/config';

/** `lvs7 check -c FILE`: validates; prints every problem with its line. Returns the exit code. */
export async function checkCommand(
  file: string,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  try {
    const config = await loadConfigFile(file);
    const pools = Object.keys(config.pools ?? {}).length;
    out.write(`${file}: OK (${pools} pools, ${config.listeners.length} listeners)\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      err.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
