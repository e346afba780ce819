import type { Logger } from 'pino';
import type { Directory } from './directory.js';
import { InvalidDirectoryOptionError } from './errors.js';
import { FileDirectory } from './file-directory.js';
import { LdapDirectory } from './ldap-directory.js';
import type { DirectoryOptions } from './options.js';

/**
 * Makes the directory one `directories:` entry describes: `{ ldap: {...} }`
 * or `{ file: path | {...} }`. Throws InvalidDirectoryOptionError (every
 * problem listed) or, for a file, the read or LdifSyntaxError. LDAP
 * connects lazily, on the first lookup. The logger gets the bindings
 * `{ component: 'directory', directory: name }`.
 */
export function createDirectory(name: string, options: DirectoryOptions, logger: Logger): Directory {
  const log = logger.child({ component: 'directory', directory: name });
  const { ldap, file, ...unknown } = options;
  const problems: [string, string][] = Object.keys(unknown).map((key) => [key, 'unknown option']);
  if (ldap !== undefined && file !== undefined)
    problems.push(['ldap', 'expected either ldap or file, not both']);
  if (problems.length > 0) throw new InvalidDirectoryOptionError(name, problems);
  if (ldap !== undefined) return new LdapDirectory(name, ldap, log);
  if (file !== undefined) return new FileDirectory(name, file, log);
  throw new InvalidDirectoryOptionError(name, [['ldap', 'expected ldap or file']]);
}
