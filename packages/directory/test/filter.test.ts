import { FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { equalityFilter, escapeFilterValue, expandFilter } from '../src/filter.js';

describe('escapeFilterValue (RFC 4515)', () => {
  it('escapes the five special characters as \\xx', () => {
    expect(escapeFilterValue('*')).toBe('\\2a');
    expect(escapeFilterValue('(')).toBe('\\28');
    expect(escapeFilterValue(')')).toBe('\\29');
    expect(escapeFilterValue('\\')).toBe('\\5c');
    expect(escapeFilterValue('\0')).toBe('\\00');
  });

  it('leaves ordinary and UTF-8 characters alone', () => {
    expect(escapeFilterValue('alice@example.org')).toBe('alice@example.org');
    expect(escapeFilterValue('jörg=ü&|!~<>')).toBe('jörg=ü&|!~<>');
  });

  it('turns injection attempts into one literal value', () => {
    const filter = expandFilter('(|(mail={user})(uid={user}))', '*)(uid=*');
    expect(filter).toBe('(|(mail=\\2a\\29\\28uid=\\2a)(uid=\\2a\\29\\28uid=\\2a))');
    const parsed = FilterParser.parseString(filter);
    expect(parsed.toString()).not.toMatch(/uid=\*\)/);
    const or = parsed as unknown as { filters: { attribute: string; value: string }[] };
    expect(or.filters.map((f) => [f.attribute, f.value])).toEqual([
      ['mail', '*)(uid=*'],
      ['uid', '*)(uid=*'],
    ]);
  });

  it('keeps NUL and backslash literal through the ldapts parser', () => {
    const parsed = FilterParser.parseString(expandFilter('(uid={user})', 'a\0b\\c')) as unknown as {
      value: string;
    };
    expect(parsed.value).toBe('a\0b\\c');
  });
});

describe('expandFilter', () => {
  it('fills {user}, {local} and {domain}', () => {
    expect(expandFilter('(&(uid={local})(dc={domain})(mail={user}))', 'Al*ce@Example.org')).toBe(
      '(&(uid=Al\\2ace)(dc=Example.org)(mail=Al\\2ace@Example.org))',
    );
  });

  it('uses the last @ and an empty domain without one', () => {
    expect(expandFilter('{local}|{domain}', 'a@b@c')).toBe('a@b|c');
    expect(expandFilter('{local}|{domain}', 'alice')).toBe('alice|');
  });

  it('does not expand placeholders that arrive in the user', () => {
    expect(expandFilter('(uid={user})', '{domain}')).toBe('(uid={domain})');
  });
});

describe('equalityFilter', () => {
  it('builds an OR of equality terms', () => {
    expect(equalityFilter(['uid'])).toBe('(uid={user})');
    expect(equalityFilter(['mail', 'uid'])).toBe('(|(mail={user})(uid={user}))');
  });
});
