import { DURATION_PATTERN, formatDuration, PERCENT_PATTERN, SIZE_PATTERN } from './durations.js';
import { configJsonSchema } from './json-schema.js';
import { REFERENCE_SECTIONS, type ReferenceSection } from './reference-sections.js';

type Schema = Record<string, unknown> & {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  required?: string[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  secret?: boolean;
};

/** One key of the reference table. */
export interface ReferenceRow {
  readonly path: string;
  readonly type: string;
  readonly def: string;
  /** The key's `.describe()` text; empty when it has none. */
  readonly description: string;
  /** Required, secret, bounds. */
  readonly notes: readonly string[];
}
type Row = ReferenceRow;

const code = (v: unknown) => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;

/** The unit words of durations, sizes and percentages (the string side of their unions). */
const UNIT_TYPES: Readonly<Record<string, string>> = {
  [DURATION_PATTERN.source]: 'duration',
  [SIZE_PATTERN.source]: 'size',
  [PERCENT_PATTERN.source]: 'percent',
};

function unitOf(s: Schema): string | undefined {
  if (typeof s.pattern === 'string' && UNIT_TYPES[s.pattern]) return UNIT_TYPES[s.pattern];
  return (s.anyOf ?? s.oneOf)?.map(unitOf).find((u) => u !== undefined);
}

function typeOf(s: Schema): string {
  const unit = unitOf(s);
  if (unit) return unit;
  if (s.const !== undefined) return code(s.const);
  if (s.enum) return s.enum.map(code).join(' \\| ');
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return [...new Set(alts.map(typeOf))].join(' or ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  if (s.type === 'object') return s.properties ? 'mapping' : 'mapping of name → value';
  return Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'value');
}

function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

/** A default as it would be written in the file: `2s`, `16KiB`, `10%`. */
function defaultOf(s: Schema): string {
  const v = s.default;
  // `{}`: a section that is always there, with the defaults of its keys.
  if (
    v === undefined ||
    (typeof v === 'object' && v !== null && Object.keys(v).length === 0 && !Array.isArray(v))
  )
    return '';
  if (v === 0) return '`0`';
  if (typeof v === 'number') {
    const unit = unitOf(s);
    if (unit === 'duration') return code(formatDuration(v));
    if (unit === 'size') return code(formatSize(v));
    if (unit === 'percent') return code(`${v}%`);
  }
  return code(v);
}

function notesOf(s: Schema, required: boolean): string[] {
  const notes: string[] = [];
  if (required) notes.push('Required.');
  if (s.secret) notes.push('Secret (never logged).');
  const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined;
  if (s.minimum !== undefined && max !== undefined) notes.push(`From ${s.minimum} to ${max}.`);
  else if (s.minimum !== undefined) notes.push(`At least ${s.minimum}.`);
  else if (max !== undefined) notes.push(`At most ${max}.`);
  return notes;
}

/** Text in a table cell: one line, `|` escaped. */
const cell = (text: string) => text.replace(/\s*\n\s*/g, ' ').replace(/(?<!\\)\|/g, '\\|');

function walk(s: Schema, path: string, rows: Row[], required: boolean): void {
  if (path) {
    rows.push({
      path,
      type: typeOf(s),
      def: defaultOf(s),
      description: s.description ?? '',
      notes: notesOf(s, required),
    });
  }
  const objectish = s.properties ? s : (s.anyOf ?? s.oneOf)?.find((a) => a.properties);
  if (objectish?.properties) {
    const req = new Set(objectish.required ?? []);
    for (const [key, child] of Object.entries(objectish.properties)) {
      walk(child, path ? `${path}.${key}` : key, rows, req.has(key));
    }
  }
  if (typeof s.additionalProperties === 'object' && s.additionalProperties.properties) {
    walk(s.additionalProperties, `${path}.<name>`, rows, false);
  }
  if (s.items?.properties) walk(s.items, `${path}[]`, rows, false);
  const variants = (s.items?.anyOf ?? s.items?.oneOf)?.filter((v) => v.properties);
  if (variants && variants.length > 1) {
    for (const v of variants) {
      const proto = v.properties?.protocol;
      const label = proto?.const ?? proto?.enum?.join('|') ?? proto?.default ?? '?';
      walk(v, `${path}[protocol=${label}]`, rows, false);
    }
  }
}

/** Does `path` lie under `prefix` (the key itself, or one of its children)? */
function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** Each row goes to the section with the longest matching prefix; the rest to one section per top-level key. */
function assign(rows: Row[]): { section: ReferenceSection; rows: Row[] }[] {
  const out = REFERENCE_SECTIONS.map((section) => ({ section, rows: [] as Row[] }));
  for (const row of rows) {
    let best: (typeof out)[number] | undefined;
    let length = -1;
    for (const entry of out) {
      for (const prefix of entry.section.keys) {
        if (under(row.path, prefix) && prefix.length > length) [best, length] = [entry, prefix.length];
      }
    }
    if (!best) {
      const top = /^[^.[]+/.exec(row.path)?.[0] ?? row.path;
      best = { section: { title: `\`${top}\``, keys: [top], intro: row.description, example: '' }, rows: [] };
      out.push(best);
    }
    best.rows.push(row);
  }
  return out.filter((entry) => entry.rows.length > 0);
}

/** GitHub's heading anchor. */
const anchor = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');

function renderSection(section: ReferenceSection, rows: Row[]): string[] {
  const lines = [`## ${section.title}`, '', section.intro, ''];
  if (section.example) lines.push('```yaml', section.example.trimEnd(), '```', '');
  lines.push('| key | type | default | description |', '|---|---|---|---|');
  for (const r of rows) {
    const text = [r.description, ...r.notes].filter(Boolean).join(' ');
    lines.push(`| \`${cell(r.path)}\` | ${cell(r.type)} | ${r.def} | ${cell(text)} |`);
  }
  lines.push('');
  return lines;
}

/** Every key of the configuration, in schema order, as the reference lists it. */
export function referenceRows(): ReferenceRow[] {
  const rows: Row[] = [];
  walk(configJsonSchema() as Schema, '', rows, false);
  return rows;
}

/**
 * The configuration reference (Markdown), generated from the schema and its
 * `.describe()` texts so it cannot drift from what `lvs7 check` accepts.
 * docs/configuration.md is its output; tests fail when the two differ and
 * when an example in it does not validate.
 */
export function configReference(): string {
  const sections = assign(referenceRows());
  const lines = [
    '# Configuration reference',
    '',
    'Generated from the config schema (`npx tsc -b && node scripts/config-reference.mjs > docs/configuration.md`); do not edit.',
    '',
    'A configuration file is YAML (or JSON). Durations are `500ms`, `2s`, `1.5m`, `1h` or a number of milliseconds;',
    'sizes `64KiB`, `16MB`, `2GB` (K = 1024) or a number of bytes; percentages `50%` or a number from 0 to 100.',
    'Unknown keys are errors; `lvs7 check -c FILE` reports every problem with its line. Every example below is a',
    'complete file that `lvs7 check` accepts (a test validates them).',
    '',
    ...sections.map(({ section }) => `- [${section.title.replace(/`/g, '')}](#${anchor(section.title)})`),
    '',
    ...sections.flatMap(({ section, rows }) => renderSection(section, rows)),
  ];
  return lines.join('\n');
}
