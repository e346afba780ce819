import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { crossCheck } from './checks.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { deepFreeze } from './freeze.js';
import { errorMap, fromZodIssues, type RawIssue } from './issues.js';
import { findDuplicateKeys, formatPath, Locator, type Path, type Position } from './locate.js';
import { configSchema } from './schema/config.js';
import type { Config } from './types.js';

export interface ParseOptions {
  /** Called with each warning (valid but probably unintended settings). */
  readonly onWarning?: ((warning: ConfigIssue) => void) | undefined;
}

export interface CheckResult {
  /** The configuration, when there are no errors. */
  readonly config: Config | undefined;
  /** Every problem, in file order. */
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
}

/** Clearer wording for some YAML parser errors. */
const YAML_MESSAGES: Readonly<Record<string, string>> = {
  MULTIPLE_DOCS: 'expected a single YAML document, found another one after "---"',
};

function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  return a.line - b.line || a.column - b.column;
}

function unique(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.sort(byPosition).filter((i) => {
    const key = `${i.line}\0${i.path}\0${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Validates a configuration text (YAML, or JSON, which is YAML) without
 * throwing. YAML syntax errors stop validation there (the rest of the tree
 * is unreliable); otherwise every schema and cross-field problem is reported.
 */
export function checkConfig(text: string, fileName: string): CheckResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, merge: true, prettyErrors: false });
  const locator = new Locator(doc, lineCounter);
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const issue = (path: Path, message: string, pos: Position = locator.locate(path)): ConfigIssue => ({
    file: fileName,
    line: pos.line,
    column: pos.column,
    path: formatPath(path),
    message,
  });
  const located = (raw: RawIssue): ConfigIssue => issue(raw.path, raw.message);
  const done = (config: Config | undefined): CheckResult => {
    const e = unique(errors);
    return { config: e.length === 0 ? config : undefined, errors: e, warnings: unique(warnings) };
  };

  for (const e of doc.errors)
    errors.push(issue([], YAML_MESSAGES[e.code] ?? e.message, locator.position(e.pos[0])));
  for (const w of doc.warnings) warnings.push(issue([], w.message, locator.position(w.pos[0])));
  for (const d of findDuplicateKeys(doc)) {
    const first = locator.position(d.firstOffset).line;
    errors.push(issue(d.path, `duplicate key (first on line ${first})`, locator.position(d.offset)));
  }
  if (doc.errors.length > 0) return done(undefined);

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 10_000 });
  } catch (err) {
    errors.push(issue([], err instanceof Error ? err.message : String(err)));
    return done(undefined);
  }
  if (raw === null || raw === undefined) {
    errors.push(issue([], 'the configuration is empty'));
    return done(undefined);
  }

  const parsed = configSchema.safeParse(raw, { error: errorMap });
  if (!parsed.success) errors.push(...fromZodIssues(parsed.error.issues).map(located));
  const findings = crossCheck(raw, (path) => locator.locate(path).line);
  errors.push(...findings.errors.map(located));
  warnings.push(...findings.warnings.map(located));
  return done(parsed.success ? deepFreeze(parsed.data) : undefined);
}

/**
 * Parses and validates a configuration text: defaults applied, durations in
 * ms, sizes in bytes, deep-frozen. Throws `ConfigError` listing every problem.
 */
export function parseConfig(text: string, fileName: string, options: ParseOptions = {}): Config {
  const result = checkConfig(text, fileName);
  if (options.onWarning) for (const w of result.warnings) options.onWarning(w);
  if (!result.config) throw new ConfigError(result.errors);
  return result.config;
}

/** Reads and parses a configuration file (YAML or JSON); see `parseConfig`. */
export async function loadConfigFile(path: string, options: ParseOptions = {}): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError([{ file: path, line: 0, column: 0, path: '', message: `cannot read: ${reason}` }], {
      cause: err,
    });
  }
  return parseConfig(text, path, options);
}

/**
 * Validates a configuration given as a plain object (e.g. built by tests or
 * code); issue lines refer to its pretty-printed JSON.
 */
export function configFromObject(value: unknown, source = '<object>', options: ParseOptions = {}): Config {
  return parseConfig(JSON.stringify(value, null, 2) ?? '', source, options);
}
