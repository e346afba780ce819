import { describe, expect, it } from 'vitest';
import { parsePop3Command } from '../src/pop3/pop3-parser.js';

describe('parsePop3Command', () => {
  it('upper-cases the keyword and splits arguments', () => {
    const cmd = parsePop3Command(Buffer.from('auth PLAIN AGFsaWNlAHNlY3JldA=='));
    expect(cmd?.name).toBe('AUTH');
    expect(cmd?.args).toEqual(['PLAIN', 'AGFsaWNlAHNlY3JldA==']);
  });

  it('keeps the rest of the line as sent (passwords with spaces)', () => {
    const cmd = parsePop3Command(Buffer.from('PASS  two  spaces '));
    expect(cmd?.rest.toString()).toBe(' two  spaces ');
  });

  it('parses keywords without arguments', () => {
    expect(parsePop3Command(Buffer.from('CAPA'))).toMatchObject({ name: 'CAPA', args: [] });
  });

  it('rejects lines without a keyword', () => {
    expect(parsePop3Command(Buffer.from(' USER x'))).toBeUndefined();
    expect(parsePop3Command(Buffer.from('\u0016\u0003\u0001garbage'))).toBeUndefined();
    expect(parsePop3Command(Buffer.from('12345'))).toBeUndefined();
  });
});
