import { resolve as resolvePath } from 'node:path';
import type { Config } from '@lvs7/config';
import { createDirectory, type Directory } from '@lvs7/directory';
import type { Logger } from 'pino';

/** The config's directories, by name (LDAP, or an LDIF file whose path is relative to `baseDir`). */
export function createDirectories(config: Config, baseDir: string, logger: Logger): Map<string, Directory> {
  const out = new Map<string, Directory>();
  for (const [name, options] of Object.entries(config.directories)) {
    const file = options.file;
    const resolved =
      file === undefined
        ? { ldap: options.ldap }
        : typeof file === 'string'
          ? { file: resolvePath(baseDir, file) }
          : { file: { ...file, path: resolvePath(baseDir, file.path) } };
    out.set(name, createDirectory(name, resolved as Parameters<typeof createDirectory>[1], logger));
  }
  return out;
}
