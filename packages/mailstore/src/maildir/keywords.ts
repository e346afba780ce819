/**
 * Dovecot's `dovecot-keywords` file: IMAP keywords stored as the letters
 * a..z in Maildir file names, `0 $Junk` meaning letter a.
 */
export const KEYWORDS_FILE = 'dovecot-keywords';
export const MAX_KEYWORDS = 26;

export function parseKeywords(text: string): string[] {
  const keywords: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\d+) (\S+)$/.exec(line.trim());
    if (!match) continue;
    const index = Number(match[1]);
    if (index < MAX_KEYWORDS) keywords[index] = match[2]!;
  }
  return keywords;
}

export function serializeKeywords(keywords: readonly (string | undefined)[]): string {
  let out = '';
  keywords.forEach((keyword, i) => {
    if (keyword !== undefined) out += `${i} ${keyword}\n`;
  });
  return out;
}

export function keywordLetter(
  keywords: readonly (string | undefined)[],
  keyword: string,
): string | undefined {
  const lower = keyword.toLowerCase();
  const index = keywords.findIndex((k) => k !== undefined && k.toLowerCase() === lower);
  return index < 0 ? undefined : String.fromCharCode(97 + index);
}

export function letterKeyword(keywords: readonly (string | undefined)[], letter: string): string | undefined {
  return keywords[letter.charCodeAt(0) - 97];
}
