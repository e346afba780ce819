import { Lvs7Error } from '@lvs7/core';

/**
 * The directory cannot answer now (every server down or timing out, the
 * service bind refused, the directory closed): a temporary failure, mapped
 * to SMTP 451 / IMAP NO [UNAVAILABLE], and never cached. Distinct from "no
 * such user", which lookup() reports by resolving undefined.
 */
export class DirectoryUnavailableError extends Lvs7Error {
  readonly directory: string;
  constructor(directory: string, reason: string, options?: ErrorOptions) {
    super('LVS7_ERR_DIRECTORY_UNAVAILABLE', `directory "${directory}" is unavailable: ${reason}`, options);
    this.directory = directory;
  }
}

/** Directory options are missing, of the wrong type or out of range; every problem is listed. */
export class InvalidDirectoryOptionError extends Lvs7Error {
  readonly problems: readonly (readonly [option: string, detail: string])[];
  constructor(directory: string, problems: readonly (readonly [option: string, detail: string])[]) {
    const lines = problems.map(
      ([option, detail]) => `directory "${directory}": option "${option}": ${detail}`,
    );
    super('LVS7_ERR_INVALID_DIRECTORY_OPTION', lines.join('\n'));
    this.problems = problems;
  }
}

/** An LDIF file cannot be parsed; `line` is 1-based. */
export class LdifSyntaxError extends Lvs7Error {
  readonly line: number;
  constructor(line: number, detail: string, source = 'LDIF') {
    super('LVS7_ERR_LDIF_SYNTAX', `${source}:${line}: ${detail}`);
    this.line = line;
  }
}
