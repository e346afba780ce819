import { describe, expect, it } from 'vitest';
import { adminField, ClusterKeys, escapeGlob } from '../src/keys.js';

describe('ClusterKeys', () => {
  const keys = new ClusterKeys('prod-eu');

  it('namespaces every key by cluster inside a Redis Cluster hash tag', () => {
    expect(keys.prefix).toBe('lvs7:{prod-eu}:');
    expect(keys.tableKey('sticky', 'abc')).toBe('lvs7:{prod-eu}:t:sticky:abc');
    expect(keys.admin).toBe('lvs7:{prod-eu}:admin');
    expect(keys.members('active')).toBe('lvs7:{prod-eu}:members:active');
    expect(keys.snapshot('health', 'host-1')).toBe('lvs7:{prod-eu}:health:host-1');
    expect(keys.tablesChannel).toBe('lvs7:{prod-eu}:pub:tables');
    expect(keys.adminChannel).toBe('lvs7:{prod-eu}:pub:admin');
    expect(keys.healthChannel).toBe('lvs7:{prod-eu}:pub:health');
  });

  it('encodes table names so pool:web:locality and pool:web:locality:backup never share keys', () => {
    const primary = keys.tableKey('pool:web:locality', 'k');
    const backup = keys.tableKey('pool:web:locality:backup', 'k');
    expect(primary).toBe('lvs7:{prod-eu}:t:pool%3Aweb%3Alocality:k');
    expect(backup.startsWith(keys.tablePrefix('pool:web:locality'))).toBe(false);
    expect(keys.entryOf('pool:web:locality', primary)).toBe('k');
    expect(keys.entryOf('pool:web:locality', backup)).toBeUndefined();
  });

  it('keeps keys with any characters as they are, and escapes glob characters in SCAN patterns', () => {
    expect(keys.entryOf('t', keys.tableKey('t', 'a:b*{c}'))).toBe('a:b*{c}');
    expect(escapeGlob('a*b?[c]\\')).toBe('a\\*b\\?\\[c\\]\\\\');
    expect(keys.tablePattern('mail*')).toBe('lvs7:{prod-eu}:t:mail\\*:*');
  });

  it('refuses cluster names that would need escaping', () => {
    for (const bad of ['', 'a:b', 'a{b}', 'a b', 'x'.repeat(65)])
      expect(() => new ClusterKeys(bad)).toThrow(RangeError);
  });

  it('names admin records by pool and server', () => {
    expect(adminField('web', 'web1')).toBe('web\u0000web1');
  });
});
