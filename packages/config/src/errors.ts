import { Lvs7Error } from '@lvs7/core';

/** One problem (or warning) found in a configuration file. */
export interface ConfigIssue {
  /** The file name given to `parseConfig` / `loadConfigFile`. */
  readonly file: string;
  /** 1-based line; 0 when the problem is not tied to a line (e.g. the file cannot be read). */
  readonly line: number;
  /** 1-based column; 0 when unknown. */
  readonly column: number;
  /** The key path, as `pools.web.servers[1].weight`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

/** `FILE:LINE: path: message` (parts that are unknown are left out). */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}` : issue.file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/**
 * The configuration is invalid. `issues` holds every problem found, in file
 * order; the message lists them one per line as `FILE:LINE: path: message`.
 */
export class ConfigError extends Lvs7Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], options?: ErrorOptions) {
    super('LVS7_ERR_CONFIG', issues.map(formatIssue).join('\n'), options);
    this.issues = Object.freeze(issues.map((i) => Object.freeze({ ...i })));
  }
}
