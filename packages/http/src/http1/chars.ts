/**
 * Byte classes of RFC 9110/9112 as 256-entry tables: one array read per
 * byte is the cheapest way to validate heads in JS (no regex, no branches).
 */
function table(ranges: readonly (readonly [number, number])[], extra = ''): Uint8Array {
  const t = new Uint8Array(256);
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi; c++) t[c] = 1;
  for (let i = 0; i < extra.length; i++) t[extra.charCodeAt(i)] = 1;
  return t;
}

/** tchar (RFC 9110 §5.6.2): header names, methods, transfer codings. */
export const TOKEN = table(
  [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  "!#$%&'*+-.^_`|~",
);

/** field-vchar, SP, HTAB and obs-text (RFC 9110 §5.5): what a field value may hold. */
export const FIELD_VALUE = table(
  [
    [0x20, 0x7e],
    [0x80, 0xff],
  ],
  '\t',
);

/** What a request-target may hold: visible ASCII only (no SP, no CTL, no obs-text). */
export const TARGET = table([[0x21, 0x7e]]);

/** Hex digit value + 1 (0 = not a hex digit), for chunk sizes. */
export const HEX = new Uint8Array(256);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c + 1;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = c + 11;
  HEX[0x61 + c] = c + 11;
}

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;
