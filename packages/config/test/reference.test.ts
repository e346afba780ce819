import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ConfigIssue, configJsonSchema, configReference, parseConfig } from '../src/index.js';
import { referenceRows } from '../src/reference.js';
import { REFERENCE_SECTIONS } from '../src/reference-sections.js';

const DOC = new URL('../../../docs/configuration.md', import.meta.url);
const committed = readFileSync(DOC, 'utf8');

/** The fenced YAML blocks of a Markdown text, with the line each starts on. */
function yamlBlocks(markdown: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```yaml') continue;
    const end = lines.indexOf('```', i + 1);
    blocks.push({ line: i + 1, text: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

describe('docs/configuration.md', () => {
  it('is the reference generated from the schema (run: npx tsc -b && node scripts/config-reference.mjs > docs/configuration.md)', () => {
    expect(committed).toBe(configReference());
  });

  it('has a section with an introduction for every top-level key and listener protocol', () => {
    for (const key of ['admin', 'log', 'pools', 'listeners', 'workers', 'state', 'directories', 'site']) {
      expect(committed).toContain(`| \`${key}\` |`);
    }
    for (const key of ['mailstore', 'cache']) expect(committed).toContain(`| \`${key}\` |`);
    for (const protocol of ['http', 'imap|pop3', 'smtp', 'icp'])
      expect(committed).toContain(`listeners[protocol=${protocol.replace('|', '\\|')}]`);
    for (const title of ['HTTP listeners', 'Routes', 'Servers', 'Health checks and outlier detection'])
      expect(committed).toContain(`## ${title}\n\n`);
    const topLevel = Object.keys((configJsonSchema() as { properties: object }).properties);
    const claimed = new Set(REFERENCE_SECTIONS.flatMap((s) => s.keys));
    expect(topLevel.filter((key) => !claimed.has(key))).toEqual([]);
  });

  it('describes every key (add .describe() to new keys in packages/config/src/schema)', () => {
    const rows = referenceRows();
    expect(rows.length).toBeGreaterThan(250);
    expect(rows.filter((r) => r.description.trim() === '').map((r) => r.path)).toEqual([]);
  });

  it('shows defaults as they are written: durations, sizes and percentages with their unit', () => {
    expect(committed).toContain('| `pools.<name>.health.interval` | duration | `2s` |');
    expect(committed).toContain('| `listeners[protocol=http].limits.maxHeaderSize` | size | `16KiB` |');
    expect(committed).toContain('| `pools.<name>.outlier.maxEjectionPercent` | percent | `10%` |');
  });

  it('gives editors the descriptions and defaults in the JSON schema (a duration default is ms, valid input)', () => {
    type Node = {
      properties: Record<string, Node>;
      additionalProperties: Node;
      default?: unknown;
      description?: string;
    };
    const pool = (configJsonSchema() as Node).properties.pools!.additionalProperties;
    const interval = pool.properties.health!.properties.interval!;
    expect(interval.default).toBe(2000);
    expect(interval.description).toMatch(/between checks/);
    expect(parseConfig('pools: { p: { servers: [], health: { interval: 2000 } } }', 'x.yaml')).toBeDefined();
  });

  const blocks = yamlBlocks(committed);

  it('has an example for every section but the reserved ICP listener', () => {
    expect(blocks.length).toBe(REFERENCE_SECTIONS.filter((s) => s.example !== '').length);
    expect(blocks.length).toBeGreaterThanOrEqual(15);
  });

  it.each(blocks.map((b) => [b.line, b.text] as const))(
    'example at docs/configuration.md:%i is a configuration lvs7 check accepts, without warnings',
    (line, text) => {
      const warnings: ConfigIssue[] = [];
      const config = parseConfig(text, `docs/configuration.md:${line}`, {
        onWarning: (w) => warnings.push(w),
      });
      expect(config).toBeDefined();
      expect(warnings).toEqual([]);
    },
  );
});
