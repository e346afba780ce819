import { ImapSyntaxError, type Token, tokenize } from '../parser.js';

/** What a FETCH asks for, parsed once before any message is read. */
export type SectionKind = '' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface Section {
  /** Part numbers (`1.2` → [1, 2]); empty for the whole message. */
  readonly path: readonly number[];
  readonly kind: SectionKind;
  /** Header field names for HEADER.FIELDS(.NOT), as the client wrote them. */
  readonly fields: readonly string[];
  /** The same, lower-cased, for matching. */
  readonly fieldSet?: ReadonlySet<string> | undefined;
}

export type FetchItem =
  | {
      readonly type: 'FLAGS' | 'UID' | 'RFC822.SIZE' | 'INTERNALDATE' | 'ENVELOPE' | 'BODYSTRUCTURE' | 'BODY';
    }
  | {
      readonly type: 'section';
      /** The name in the response: `BODY[HEADER.FIELDS (From)]<0>`, `RFC822.HEADER`… */
      readonly label: string;
      readonly section: Section;
      readonly partial: { readonly start: number; readonly length: number } | undefined;
      /** BODY.PEEK and RFC822.HEADER do not set \Seen. */
      readonly peek: boolean;
    };

const MACROS: Record<string, string[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

const SIMPLE = new Set(['FLAGS', 'UID', 'RFC822.SIZE', 'INTERNALDATE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY']);

export function parseFetchItems(token: Token): FetchItem[] {
  if (token.type === 'atom' && MACROS[token.value.toUpperCase()]) {
    return MACROS[token.value.toUpperCase()]!.map((type) => parseItem(type));
  }
  const atoms = token.type === 'list' ? token.items : [token];
  if (atoms.length === 0) throw bad('empty fetch list');
  return atoms.map((t) => {
    if (t.type !== 'atom') throw bad('fetch items must be atoms');
    return parseItem(t.value);
  });
}

function bad(message: string): ImapSyntaxError {
  return new ImapSyntaxError(`Error in IMAP command FETCH: ${message}`);
}

function parseItem(text: string): FetchItem {
  const upper = text.toUpperCase();
  if (SIMPLE.has(upper)) return { type: upper as 'FLAGS' };
  if (upper === 'RFC822') return sectionItem('RFC822', parseSection(''), undefined, false);
  if (upper === 'RFC822.HEADER') return sectionItem('RFC822.HEADER', parseSection('HEADER'), undefined, true);
  if (upper === 'RFC822.TEXT') return sectionItem('RFC822.TEXT', parseSection('TEXT'), undefined, false);
  const match = /^(BODY|BODY\.PEEK|BINARY|BINARY\.PEEK)\[(.*)\](?:<(\d+)\.(\d+)>)?$/is.exec(text);
  if (!match || match[1]!.toUpperCase().startsWith('BINARY'))
    throw bad(`unknown item "${text.slice(0, 40)}"`);
  const section = parseSection(match[2]!);
  const partial = match[3] === undefined ? undefined : { start: Number(match[3]), length: Number(match[4]) };
  if (partial && partial.length === 0) throw bad('partial length must be positive');
  const name = sectionText(section);
  const label = `BODY[${name}]${partial ? `<${partial.start}>` : ''}`;
  return sectionItem(label, section, partial, match[1]!.toUpperCase() === 'BODY.PEEK');
}

type Partial = { readonly start: number; readonly length: number } | undefined;

function sectionItem(label: string, section: Section, partial: Partial, peek: boolean): FetchItem {
  return { type: 'section', label, section, partial, peek };
}

export function parseSection(text: string): Section {
  const space = text.indexOf(' ');
  const spec = (space < 0 ? text : text.slice(0, space)).toUpperCase();
  const parts = spec === '' ? [] : spec.split('.');
  const path: number[] = [];
  while (parts.length > 0 && /^\d+$/.test(parts[0]!)) {
    const n = Number(parts.shift());
    if (n < 1) throw bad('part numbers start at 1');
    path.push(n);
  }
  const kind = parts.join('.') as SectionKind;
  if (!['', 'HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT', 'TEXT', 'MIME'].includes(kind)) {
    throw bad(`unknown section "${spec.slice(0, 40)}"`);
  }
  if (kind === 'MIME' && path.length === 0) throw bad('MIME needs a part number');
  let fields: string[] = [];
  if (kind.startsWith('HEADER.FIELDS')) {
    const list = tokenize([text.slice(space + 1)]);
    const items = list[0]?.type === 'list' ? list[0].items : undefined;
    if (space < 0 || !items || items.length === 0 || list.length !== 1)
      throw bad('HEADER.FIELDS needs a list of names');
    fields = items.map((t) =>
      t.type === 'atom' ? t.value : t.type === 'string' ? t.value.toString('utf8') : '',
    );
    if (fields.some((f) => !/^[\x21-\x39\x3b-\x7e]+$/.test(f))) throw bad('invalid header field name');
  } else if (space >= 0) {
    throw bad('unexpected text in section');
  }
  return { path, kind, fields, fieldSet: new Set(fields.map((f) => f.toLowerCase())) };
}

/** The section as the response names it. */
export function sectionText(section: Section): string {
  const parts = [...section.path.map(String)];
  if (section.kind) parts.push(section.kind);
  const base = parts.join('.');
  return section.fields.length > 0 ? `${base} (${section.fields.join(' ').toUpperCase()})` : base;
}
