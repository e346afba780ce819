import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type Config,
  ConfigError,
  checkConfig,
  configFromObject,
  configJsonSchema,
  loadConfigFile,
  parseConfig,
  redactConfig,
} from '../src/index.js';

const FULL_FILE = fileURLToPath(new URL('./fixtures/full.yaml', import.meta.url));
const FULL = readFileSync(FULL_FILE, 'utf8');

const EXPECTED: Config = {
  admin: { listen: '127.0.0.1:9900', token: 's3cret' },
  log: { level: 'debug' },
  workers: 2,
  pools: {
    web: {
      scheduler: 'mh',
      schedulerOptions: { tableSize: 65537 },
      slowStart: 10_000,
      panicThreshold: 50,
      protocol: 'http',
      tls: { enabled: true, ca: '/etc/ssl/ca.pem', serverName: 'web.internal', verify: true },
      maxQueue: 100,
      queueTimeout: 5000,
      servers: [
        { name: 'web1', address: '127.0.0.1:8081', weight: 1, backup: false, state: 'ready' },
        { name: 'web2', address: '[::1]:8082', weight: 2, backup: true, maxConnections: 100, state: 'drain' },
      ],
      health: {
        check: 'http',
        path: '/health',
        interval: 1000,
        timeout: 500,
        rise: 2,
        fall: 2,
        fastInterval: 250,
        jitter: 5,
        status: '200-399',
        password: 'hunter2',
      },
      outlier: {
        consecutiveFailures: 5,
        baseEjectionTime: 30_000,
        maxEjectionTime: 300_000,
        maxEjectionPercent: 10,
      },
    },
    api: {
      scheduler: 'rr',
      slowStart: 0,
      panicThreshold: 0,
      servers: [{ name: 'api1', address: 'api.internal:9000', weight: 1, backup: false, state: 'ready' }],
    },
  },
  listeners: [
    {
      name: 'www',
      protocol: 'http',
      listen: '0.0.0.0:8080',
      acceptProxy: true,
      tls: { certificates: [{ cert: '/etc/lvs7/a.pem', key: '/etc/lvs7/a.key' }], http2: true },
      maxConnections: 10_000,
      trustedProxies: ['127.0.0.1/32', '::1'],
      forwarded: 'rfc7239',
      accessLog: 'sampled',
      requestId: { enabled: true, header: 'X-Request-Id', trustIncoming: false, response: true },
      timeouts: { clientHeader: 5000, clientIdle: 60_000 },
      limits: { maxHeaderSize: 32_768, maxHeaders: 50, maxRequestLine: 4096 },
      default: { pool: 'web' },
      routes: [
        {
          host: ['www.example.org', '*.example.org'],
          pathPrefix: '/api',
          methods: ['GET', 'HEAD'],
          headers: { 'X-Tenant': 'acme', 'X-Debug': { regex: '^on$' }, 'X-Present': { present: true } },
          query: { v: '2' },
          pool: 'api',
          sticky: { cookie: 'SRV', ttl: 3_600_000 },
          rewrite: { stripPrefix: '/api', addPrefix: '/v2', host: 'backend.local' },
          requestHeaders: { set: { 'X-From': 'lvs7' }, remove: ['Cookie2'] },
          responseHeaders: { remove: ['Server'] },
          timeouts: { connect: 2000, response: 30_000, idle: 60_000 },
          retries: { count: 2, on: ['connect-failure', 'reset', 502, 503, 504] },
        },
        {
          path: '^/video/.*\\.mp4$',
          pool: 'web',
          key: 'url',
          icp: { timeout: 50 },
          timeouts: { connect: 5000, response: 30_000, idle: 60_000 },
        },
      ],
    },
    {
      name: 'mail',
      protocol: 'smtp',
      listen: '0.0.0.0:2525',
      acceptProxy: false,
      pool: 'api',
      domains: ['example.org'],
      maxMessageSize: 10_485_760,
      directory: 'users',
      clientInfo: 'auto',
      accessLog: 'off',
    },
  ],
  state: { redis: 'redis://:pw@127.0.0.1:6379', cluster: 'lab', health: 'local' },
  directories: {
    users: {
      ldap: {
        urls: ['ldap://ldap.internal'],
        bindDN: 'cn=lvs7',
        bindPassword: 'secret',
        baseDN: 'dc=example',
        cacheTtl: 300_000,
      },
    },
  },
};

describe('parseConfig', () => {
  it('parses a full configuration: defaults applied, ms, bytes, percentages', () => {
    const warnings: unknown[] = [];
    const config = parseConfig(FULL, 'lvs7.yaml', { onWarning: (w) => warnings.push(w) });
    expect(config).toEqual(EXPECTED);
    expect(warnings).toEqual([]);
  });

  it('returns a deep-frozen object', () => {
    const config = parseConfig(FULL, 'lvs7.yaml');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.pools.web!.servers[1])).toBe(true);
    expect(Object.isFrozen(config.listeners[0]!.tls)).toBe(true);
    expect(() => {
      (config.pools.web!.servers as unknown as unknown[]).push({});
    }).toThrow(TypeError);
  });

  it('applies defaults to a minimal configuration', () => {
    const config = parseConfig('pools: { p: { servers: [] } }\n', 'min.yaml');
    expect(config).toEqual({
      log: { level: 'info' },
      pools: { p: { scheduler: 'wlc', slowStart: 0, panicThreshold: 0, servers: [] } },
      listeners: [],
      workers: 'auto',
      directories: {},
    });
  });

  it('accepts JSON', () => {
    const json = JSON.stringify({
      pools: {
        web: { servers: [{ name: 'a', address: '127.0.0.1:1', weight: 3 }], health: { interval: '3s' } },
      },
      listeners: [{ name: 'www', protocol: 'http', listen: '127.0.0.1:8080', routes: [{ pool: 'web' }] }],
    });
    const config = parseConfig(json, 'lvs7.json');
    expect(config.pools.web!.servers[0]!.weight).toBe(3);
    expect(config.pools.web!.health!.interval).toBe(3000);
    expect(config.listeners[0]!.protocol).toBe('http');
  });

  it('reports lines in pretty-printed JSON', () => {
    const json =
      '{\n  "pools": {\n    "web": {\n      "servers": [\n        { "name": "a", "address": "127.0.0.1:1", "weight": -1 }\n      ]\n    }\n  }\n}\n';
    expect(() => parseConfig(json, 'lvs7.json')).toThrow(
      'lvs7.json:5: pools.web.servers[0].weight: expected an integer from 0 to 256',
    );
  });

  it('builds a configuration from an object', () => {
    const config = configFromObject({ pools: { p: { servers: [{ name: 'a', address: 'h:1' }] } } });
    expect(config.pools.p!.servers[0]!.weight).toBe(1);
  });

  it('defaults the listener protocol to http; YAML anchors and merge keys work', () => {
    const text = [
      'pools:',
      '  p:',
      '    servers:',
      '      - &srv { name: a, address: 127.0.0.1:1, weight: 5 }',
      '      - { <<: *srv, name: b }',
      'listeners:',
      '  - { name: www, listen: 127.0.0.1:0, routes: [ { pool: p } ] }',
    ].join('\n');
    const config = parseConfig(text, 'm.yaml');
    expect(config.pools.p!.servers[1]).toMatchObject({ name: 'b', address: '127.0.0.1:1', weight: 5 });
    expect(config.listeners[0]!.protocol).toBe('http');

    const bad = text
      .replace('{ <<: *srv, name: b }', '{ <<: *srv, name: b, wieght: 1 }')
      .replace('weight: 5', 'weight: 500');
    expect(checkConfig(bad, 'm.yaml').errors.map((e) => `${e.line}: ${e.path}: ${e.message}`)).toEqual([
      '4: pools.p.servers[0].weight: expected an integer from 0 to 256',
      // The merged value is reported where it is written.
      '4: pools.p.servers[1].weight: expected an integer from 0 to 256',
      '5: pools.p.servers[1].wieght: unknown key (did you mean "weight"?)',
    ]);
  });
});

describe('loadConfigFile', () => {
  it('reads and parses a file; a missing file is a ConfigError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lvs7-config-'));
    try {
      expect(await loadConfigFile(FULL_FILE)).toEqual(EXPECTED);
      const missing = join(dir, 'nope.yaml');
      const err = await loadConfigFile(missing).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('LVS7_ERR_CONFIG');
      expect((err as ConfigError).message).toMatch(
        new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read: ENOENT`),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('redactConfig', () => {
  it('hides secrets in a copy', () => {
    const config = parseConfig(FULL, 'lvs7.yaml');
    const safe = redactConfig(config);
    expect(safe.admin!.token).toBe('***');
    expect(safe.pools.web!.health!.password).toBe('***');
    expect(safe.directories.users!.ldap!.bindPassword).toBe('***');
    expect(safe.state!.redis).toBe('redis://:***@127.0.0.1:6379');
    expect(safe.pools.web!.health!.path).toBe('/health');
    expect(config.admin!.token).toBe('s3cret');
    expect(Object.isFrozen(safe)).toBe(true);
  });
});

describe('configJsonSchema', () => {
  it('describes the input, with secrets marked', () => {
    const schema = configJsonSchema() as {
      properties: Record<string, { properties?: Record<string, Record<string, unknown>> }>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties).sort()).toEqual(
      [
        'admin',
        'cache',
        'directories',
        'listeners',
        'log',
        'mailstore',
        'pools',
        'site',
        'state',
        'workers',
      ].sort(),
    );
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.admin!.properties!.token).toMatchObject({ type: 'string', secret: true });
    expect(JSON.stringify(schema)).toContain('"pattern"');
  });
});
