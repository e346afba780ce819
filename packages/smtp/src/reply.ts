/**
 * An SMTP reply: a three-digit code, an optional RFC 3463 enhanced status
 * code and one or more lines of text. Both sides of the proxy use this one
 * shape: the session writes it, the backend client parses it.
 */
export interface SmtpReply {
  readonly code: number;
  /** `class.subject.detail`, e.g. `4.3.0`; absent on greetings and EHLO replies. */
  readonly enhanced?: string | undefined;
  readonly lines: readonly string[];
}

export function reply(code: number, enhanced: string | undefined, ...lines: string[]): SmtpReply {
  return { code, enhanced, lines: lines.length > 0 ? lines : [''] };
}

/** 2xx */
export function isPositive(r: SmtpReply): boolean {
  return r.code >= 200 && r.code < 300;
}

/** 4xx: try again later. */
export function isTransient(r: SmtpReply): boolean {
  return r.code >= 400 && r.code < 500;
}

/** 5xx: do not try again. */
export function isPermanent(r: SmtpReply): boolean {
  return r.code >= 500;
}

// Control characters in reply text would let a client or backend split replies.
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point.
const CONTROL = /[\x00-\x1f\x7f]/g;

/** The wire form, CRLF-terminated: `250-first\r\n250 last\r\n`, the enhanced code on every line. */
export function formatReply(r: SmtpReply): string {
  const prefix = r.enhanced === undefined ? '' : `${r.enhanced} `;
  let out = '';
  const last = r.lines.length - 1;
  for (let i = 0; i <= last; i++) {
    const text = r.lines[i]!.replace(CONTROL, ' ');
    out += `${r.code}${i === last ? ' ' : '-'}${prefix}${text}\r\n`;
  }
  return out;
}

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?: |$)/;

/**
 * Splits the enhanced status code off the text of a parsed reply (RFC 2034
 * puts it at the start of every line) when its class matches the code's.
 */
export function withEnhancedCode(code: number, texts: readonly string[]): SmtpReply {
  const m = ENHANCED.exec(texts[0] ?? '');
  if (m === null || Number(m[1]) !== Math.floor(code / 100)) return { code, lines: texts };
  const enhanced = `${m[1]}.${m[2]}.${m[3]}`;
  const strip = (t: string) => (t.startsWith(enhanced) ? t.slice(enhanced.length).trimStart() : t);
  return { code, enhanced, lines: texts.map(strip) };
}

/** One-line summary for logs and errors: `451 4.3.0 text`. */
export function describeReply(r: SmtpReply): string {
  return formatReply({ ...r, lines: [r.lines.join(' / ')] }).trimEnd();
}
