import { describe, expect, it } from 'vitest';
import { finalVerdict } from '../src/backend/verdict.js';
import { reply } from '../src/reply.js';

const ok = reply(250, '2.0.0', '<a@x> Saved');
const quota = reply(452, '4.2.2', '<b@x> Quota exceeded');
const gone = reply(550, '5.1.1', '<c@x> gone');

describe('finalVerdict', () => {
  it('relays an SMTP verdict as the backend said it', () => {
    expect(finalVerdict('smtp', [quota])).toBe(quota);
    expect(finalVerdict('smtp', [reply(250, '2.0.0', 'Ok: queued as X')]).lines).toEqual(['Ok: queued as X']);
  });

  it('LMTP: all accepted → 250', () => {
    expect(finalVerdict('lmtp', [ok, ok, ok])).toMatchObject({ code: 250, enhanced: '2.0.0' });
    expect(finalVerdict('lmtp', [ok])).toBe(ok);
  });

  it('LMTP: none accepted, some temporarily → 451 with the backend reason', () => {
    expect(finalVerdict('lmtp', [quota, quota])).toEqual({
      code: 451,
      enhanced: '4.2.2',
      lines: ['<b@x> Quota exceeded'],
    });
    expect(finalVerdict('lmtp', [quota])).toMatchObject({ code: 451, enhanced: '4.2.2' });
    expect(finalVerdict('lmtp', [gone, quota])).toMatchObject({ code: 451, enhanced: '4.2.2' });
  });

  it('LMTP: all permanently refused → the first refusal', () => {
    expect(finalVerdict('lmtp', [gone, reply(552, '5.2.2', 'full')])).toBe(gone);
  });

  it('LMTP: mixed success and failure → 451 4.3.0 (at-least-once, never lost)', () => {
    expect(finalVerdict('lmtp', [ok, quota])).toMatchObject({ code: 451, enhanced: '4.3.0' });
    expect(finalVerdict('lmtp', [ok, gone])).toMatchObject({ code: 451, enhanced: '4.3.0' });
  });
});
