import { configJsonSchema } from './json-schema.js';

type Schema = Record<string, unknown> & {
  type?: string | string[];
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

interface Row {
  key: string;
  type: string;
  def: string;
  notes: string;
}

const code = (v: unknown) => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;

function typeOf(s: Schema): string {
  if (s.const !== undefined) return code(s.const);
  if (s.enum) return s.enum.map(code).join(' \\| ');
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return [...new Set(alts.map(typeOf))].join(' or ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  if (s.type === 'object') return s.properties ? 'mapping' : 'mapping of name → value';
  if (typeof s.pattern === 'string' && /ms\|s\|m\|h/.test(s.pattern)) return 'duration';
  if (typeof s.pattern === 'string' && /KiB|MB|GB/i.test(s.pattern)) return 'size';
  if (typeof s.pattern === 'string' && s.pattern.includes('%')) return 'percent';
  return Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'value');
}

function walk(s: Schema, path: string, rows: Row[], required: boolean): void {
  const notes: string[] = [];
  if (required) notes.push('required');
  if (s.secret) notes.push('secret (never logged)');
  if (s.minimum !== undefined) notes.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) notes.push(`≤ ${s.maximum}`);
  if (path) {
    rows.push({
      key: `\`${path}\``,
      type: typeOf(s),
      def: s.default === undefined ? '' : code(s.default),
      notes: notes.join(', '),
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

/**
 * The configuration reference (Markdown), generated from the schema so it
 * cannot drift from what `lvs7 check` accepts. docs/configuration.md is its
 * output; a test fails when the two differ.
 */
export function configReference(): string {
  const rows: Row[] = [];
  walk(configJsonSchema() as Schema, '', rows, false);
  const lines = [
    '# Configuration reference',
    '',
    'Generated from the config schema (`node scripts/config-reference.mjs > docs/configuration.md`); do not edit.',
    'Durations are `500ms`, `2s`, `1.5m`, `1h` or milliseconds; sizes `64KiB`, `16MB`, `2GB` (K = 1024) or bytes;',
    'percentages `50%`. Unknown keys are errors; `lvs7 check -c FILE` reports every problem with its line.',
    '',
    '| key | type | default | notes |',
    '|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.key} | ${r.type.replace(/\|(?!\|)/g, '\\|').replace(/\\\\\|/g, '\\|')} | ${r.def} | ${r.notes} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
