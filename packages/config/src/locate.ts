import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Pair,
  type YAMLMap,
} from 'yaml';

/** A key path into the configuration: map keys and list indexes. */
export type PathSegment = string | number;
export type Path = readonly PathSegment[];

export interface Position {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

/** `pools.web.servers[1].weight`; keys that are not plain words are quoted: `headers["x.y"]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

type AnyNode = unknown;

function isMergeKey(pair: Pair): boolean {
  return isScalar(pair.key) && (typeof pair.key.value === 'symbol' || pair.key.value === '<<');
}

function keyText(pair: Pair): string | undefined {
  if (isScalar(pair.key)) return typeof pair.key.value === 'symbol' ? undefined : String(pair.key.value);
  return undefined;
}

/**
 * Maps key paths to positions in a parsed YAML (or JSON) document. A path
 * that exists points at its key (for map entries) or item (for list entries);
 * a path that does not exist points at its deepest existing ancestor, e.g. a
 * missing required key at the key of the map that lacks it.
 */
export class Locator {
  readonly #doc: Document;
  readonly #lines: LineCounter;

  constructor(doc: Document, lineCounter: LineCounter) {
    this.#doc = doc;
    this.#lines = lineCounter;
  }

  /** The position of an offset in the text. */
  position(offset: number): Position {
    const { line, col } = this.#lines.linePos(offset);
    return { line, column: col };
  }

  locate(path: Path): Position {
    let node: AnyNode = this.#doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const seg of path) {
      node = this.#resolve(node);
      if (isMap(node)) {
        const pair = this.#findPair(node, String(seg), 0);
        if (!pair) break;
        offset = rangeStart(pair.key) ?? rangeStart(pair.value) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item: AnyNode = node.items[seg];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return this.position(offset);
  }

  #resolve(node: AnyNode): AnyNode {
    for (let i = 0; i < 100 && isAlias(node); i++) node = node.resolve(this.#doc);
    return node;
  }

  /** The pair with this key (the last one, as later duplicates win), looking into `<<` merges. */
  #findPair(map: YAMLMap, key: string, depth: number): Pair | undefined {
    for (let i = map.items.length - 1; i >= 0; i--) {
      const pair = map.items[i]!;
      if (keyText(pair) === key) return pair;
    }
    if (depth > 20) return undefined;
    for (const pair of map.items) {
      if (!isMergeKey(pair)) continue;
      const value = this.#resolve(pair.value);
      const sources = isSeq(value) ? value.items.map((n) => this.#resolve(n)) : [value];
      for (const source of sources) {
        const found = isMap(source) ? this.#findPair(source, key, depth + 1) : undefined;
        if (found) return found;
      }
    }
    return undefined;
  }
}

function rangeStart(node: AnyNode): number | undefined {
  const range = (node as { range?: readonly number[] } | null | undefined)?.range;
  return range ? range[0] : undefined;
}

export interface DuplicateKey {
  readonly path: Path;
  /** Offset of the repeated key. */
  readonly offset: number;
  /** Offset of its first occurrence. */
  readonly firstOffset: number;
}

/** Every key that appears twice in the same map (aliases are not followed). */
export function findDuplicateKeys(doc: Document): DuplicateKey[] {
  const out: DuplicateKey[] = [];
  const walk = (node: AnyNode, path: PathSegment[]): void => {
    if (isMap(node)) {
      const seen = new Map<string, Pair>();
      for (const pair of node.items) {
        const key = keyText(pair);
        if (key !== undefined) {
          const first = seen.get(key);
          if (first) {
            out.push({
              path: [...path, key],
              offset: rangeStart(pair.key) ?? 0,
              firstOffset: rangeStart(first.key) ?? 0,
            });
          } else {
            seen.set(key, pair);
          }
        }
        walk(pair.value, key === undefined ? path : [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        walk(item, [...path, i]);
      });
    }
  };
  walk(doc.contents, []);
  return out;
}
