/**
 * RFC 4515 value escaping: `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`,
 * `\29`, `\5c`, `\00`, so user input is always one literal assertion value
 * and can never add wildcards or filter terms (`*)(uid=*` matches nothing).
 * Other characters, UTF-8 included, stay as they are: RFC 4515 allows them,
 * and ldapts decodes `\xx` escapes byte by byte, which would mangle
 * multi-byte characters.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Fills a filter template: `{user}` is the whole user, `{local}` the part
 * before the last `@` and `{domain}` the part after it (empty without `@`),
 * each escaped with escapeFilterValue().
 */
export function expandFilter(template: string, user: string): string {
  const at = user.lastIndexOf('@');
  const parts: Record<string, string> = {
    user,
    local: at < 0 ? user : user.slice(0, at),
    domain: at < 0 ? '' : user.slice(at + 1),
  };
  return template.replace(/\{(user|local|domain)\}/g, (_, key: string) => escapeFilterValue(parts[key]!));
}

/** Builds the default filter: any of `attributes` equal to `{user}`. */
export function equalityFilter(attributes: readonly string[]): string {
  const terms = attributes.map((a) => `(${a}={user})`);
  return terms.length === 1 ? terms[0]! : `(|${terms.join('')})`;
}
