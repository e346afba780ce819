import { describe, expect, it } from 'vitest';
import { InvalidRedisUrlError } from '../src/errors.js';
import { parseRedisUrl, retryDelay } from '../src/redis-connection.js';

describe('parseRedisUrl', () => {
  it('passes redis:// and rediss:// to ioredis as they are', () => {
    expect(parseRedisUrl('redis://:pw@10.0.0.1:6380/2')).toEqual({
      kind: 'url',
      url: 'redis://:pw@10.0.0.1:6380/2',
    });
    expect(parseRedisUrl('rediss://cache.example:6380').kind).toBe('url');
  });

  it('reads Sentinel URLs: hosts, master name, db and credentials', () => {
    expect(parseRedisUrl('redis+sentinel://u:p%40ss@s1:26380,s2/mymaster/3')).toEqual({
      kind: 'sentinel',
      options: {
        sentinels: [
          { host: 's1', port: 26380 },
          { host: 's2', port: 26379 },
        ],
        name: 'mymaster',
        db: 3,
        username: 'u',
        password: 'p@ss',
      },
    });
  });

  it('reads Cluster URLs', () => {
    expect(parseRedisUrl('redis+cluster://:secret@n1:7000,[::1]:7001')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: '::1', port: 7001 },
      ],
      options: { password: 'secret' },
    });
  });

  it('refuses other schemes and a Sentinel URL without a master name, without echoing passwords', () => {
    expect(() => parseRedisUrl('http://x')).toThrow(InvalidRedisUrlError);
    expect(() => parseRedisUrl('redis+sentinel://:topsecret@s1')).toThrow(/master name/);
    expect(() => parseRedisUrl('redis+sentinel://:topsecret@s1')).not.toThrow(/topsecret/);
  });
});

describe('retryDelay', () => {
  it('backs off and is capped at 2 s', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map(retryDelay)).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000]);
  });
});
