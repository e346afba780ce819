import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue, checkConfig, parseConfig } from '../src/index.js';

/** The ConfigError thrown by parseConfig. */
function failure(text: string, file = 'lvs7.yaml'): ConfigError {
  try {
    parseConfig(text, file);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const lines = (issues: readonly ConfigIssue[]) =>
  issues.map((i) => `${i.file}:${i.line}: ${i.path}: ${i.message}`);
const yaml = (...rows: string[]) => `${rows.join('\n')}\n`;

describe('ConfigError', () => {
  it('reports every problem with its line, in file order', () => {
    const text = yaml(
      'pools:', //                                   1
      '  web:', //                                   2
      '    scheduler: rr', //                        3
      '    servers:', //                             4
      '      - name: web1', //                       5
      '        address: 127.0.0.1:8081', //          6
      '        weight: 300', //                      7  bad weight
      '      - name: web1', //                       8  duplicate server name
      '        address: 127.0.0.1', //               9  bad address
      '    health:', //                              10
      '      interval: 5 seconds', //                11 bad duration
      '      check: http', //                        12
      '      check: tcp', //                         13 YAML duplicate key
      '      timout: 1s', //                         14 unknown key, depth 4
      'listeners:', //                               15
      '  - name: www', //                            16
      '    listen: 127.0.0.1:8080', //               17
      '    colour: blue', //                         18 unknown key, depth 2
      '    routes:', //                              19
      '      - pathPrefix: /', //                    20
      '        path: "(unclosed"', //                21 bad regex
      '        pool: api', //                        22 unknown pool
      'extra: true', //                              23 unknown key, top level
    );
    const err = failure(text);
    const expected = [
      'lvs7.yaml:7: pools.web.servers[0].weight: expected an integer from 0 to 256',
      'lvs7.yaml:8: pools.web.servers[1].name: duplicate server name "web1" (first on line 5)',
      'lvs7.yaml:9: pools.web.servers[1].address: expected host:port, got "127.0.0.1"',
      'lvs7.yaml:11: pools.web.health.interval: expected a duration such as 500ms, 2s, 1.5m or 1h',
      'lvs7.yaml:13: pools.web.health.check: duplicate key (first on line 12)',
      'lvs7.yaml:14: pools.web.health.timout: unknown key (did you mean "timeout"?)',
      'lvs7.yaml:18: listeners[0].colour: unknown key',
      'lvs7.yaml:21: listeners[0].routes[0].path: invalid regular expression: /(unclosed/: Unterminated group',
      'lvs7.yaml:22: listeners[0].routes[0].pool: unknown pool "api" (defined pools: web)',
      'lvs7.yaml:23: extra: unknown key',
    ];
    expect(err.message).toBe(expected.join('\n'));
    expect(lines(err.issues)).toEqual(expected);
    expect(err.code).toBe('LVS7_ERR_CONFIG');
    expect(err.issues[0]).toEqual({
      file: 'lvs7.yaml',
      line: 7,
      column: 9,
      path: 'pools.web.servers[0].weight',
      message: 'expected an integer from 0 to 256',
    });
  });

  it('puts a missing required key on the line of the map that lacks it', () => {
    const text = yaml(
      'pools:',
      '  web:',
      '    scheduler: rr',
      '  api:',
      '    servers:',
      '      - { address: h:1 }',
    );
    expect(lines(failure(text).issues)).toEqual([
      'lvs7.yaml:2: pools.web.servers: required',
      'lvs7.yaml:6: pools.api.servers[0].name: required',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const err = failure(yaml('pools:', '  web:', '    servers: [ { name: a }', 'listeners: []'));
    expect(err.issues.length).toBeGreaterThan(0);
    expect(err.issues[0]!.line).toBe(4);
    expect(err.message).toMatch(/^lvs7\.yaml:4: /);

    const quote = failure(yaml('log:', '  level: "info', 'workers: 1'));
    expect(quote.issues[0]!.line).toBeGreaterThanOrEqual(2);
    expect(quote.message).toMatch(/^lvs7\.yaml:\d+: .*quote/i);
  });

  it('rejects an empty file and a non-mapping document', () => {
    expect(failure('').message).toBe('lvs7.yaml:1: the configuration is empty');
    expect(failure('- a\n- b\n').message).toBe('lvs7.yaml:1: expected a mapping, got a list');
  });

  it('names the wrong type that was found', () => {
    const text = yaml('workers: two', 'pools: []', 'log: { level: loud }');
    expect(lines(failure(text).issues)).toEqual([
      'lvs7.yaml:1: workers: expected auto or an integer from 1 to 1024',
      'lvs7.yaml:2: pools: expected a mapping, got a list',
      'lvs7.yaml:3: log.level: expected one of fatal, error, warn, info, debug, trace, silent; got "loud"',
    ]);
  });

  it('quotes keys that are not plain words in paths', () => {
    const text = yaml('pools:', '  "bad name": { servers: [] }');
    expect(lines(failure(text).issues)).toEqual([
      expect.stringMatching(/^lvs7\.yaml:2: pools\["bad name"\]: invalid name: names are 1-64 letters/),
    ]);
  });
});

describe('cross-field checks', () => {
  const pool = (extra = '') =>
    `pools:\n  web:\n    scheduler: rr${extra}\n    servers: [ { name: a, address: h:1 } ]\n`;

  it('rejects unknown schedulers, listing the registered ones', () => {
    const err = failure(pool().replace('rr', 'nope'));
    expect(lines(err.issues)).toEqual([
      expect.stringMatching(
        /^lvs7\.yaml:3: pools\.web\.scheduler: unknown scheduler "nope" \(known: .*\brr\b.*\)$/,
      ),
    ]);
  });

  it('accepts scheduler options only for hashing schedulers', () => {
    const text = pool('\n    schedulerOptions: { balanceFactor: 1.25 }');
    expect(lines(failure(text).issues)).toEqual([
      expect.stringMatching(
        /^lvs7\.yaml:4: pools\.web\.schedulerOptions\.balanceFactor: only used by hashing schedulers \(.*\); "rr" is not one$/,
      ),
    ]);
    expect(() => parseConfig(text.replace('rr', 'mh'), 'x.yaml')).not.toThrow();
  });

  it('checks listener names, addresses, TLS, defaults and references', () => {
    const text = yaml(
      pool().trimEnd(), //                                                     1-4
      'admin: { listen: 127.0.0.1:8080 }', //                                  5
      'listeners:', //                                                         6
      '  - { name: a, listen: "0.0.0.0:8080", tls: { cert: c.pem } }', //     7
      '  - { name: a, listen: "127.0.0.1:8081", default: {} }', //            8
      '  - { name: b, listen: "[::]:8081", default: { status: 503, pool: web } }', // 9
      '  - { name: i, protocol: icp, listen: "127.0.0.1:8081", pool: cache }', // 10
      '  - { name: m, protocol: smtp, listen: "127.0.0.1:25", directory: ldap1, pool: web, domains: [x.org] }', // 11
    );
    expect(lines(failure(text).issues)).toEqual([
      // The later of two conflicting addresses is the one reported.
      'lvs7.yaml:7: listeners[0].listen: address conflicts with admin (127.0.0.1:8080, line 5)',
      'lvs7.yaml:7: listeners[0].tls.key: required when cert is set',
      'lvs7.yaml:8: listeners[1].name: duplicate listener name "a" (first on line 7)',
      'lvs7.yaml:8: listeners[1].default: expected status or pool',
      'lvs7.yaml:9: listeners[2].listen: address conflicts with listener "a" (127.0.0.1:8081, line 8)',
      'lvs7.yaml:9: listeners[2].default: expected either status or pool, not both',
      'lvs7.yaml:10: listeners[3].pool: unknown pool "cache" (defined pools: web)',
      'lvs7.yaml:11: listeners[4].directory: unknown directory "ldap1"',
    ]);
  });

  it('rejects an outlier maxEjectionTime shorter than baseEjectionTime', () => {
    const text = pool('\n    outlier: { baseEjectionTime: 1m, maxEjectionTime: 30s }');
    expect(lines(failure(text).issues)).toEqual([
      'lvs7.yaml:4: pools.web.outlier.maxEjectionTime: maxEjectionTime (30s) is shorter than baseEjectionTime (1m)',
    ]);
  });
});

describe('warnings', () => {
  it('are reported without failing', () => {
    const text = yaml(
      'pools:',
      '  web:',
      '    scheduler: rr',
      '    queueTimeout: 1s',
      '    servers: [ { name: a, address: h:1 } ]',
      '    health: { interval: 1s, timeout: 2s }',
      'listeners:',
      '  - name: www',
      '    listen: 127.0.0.1:8080',
      '    routes:',
      '      - { pool: web, key: url }',
      '      - { pool: web, pathPrefix: /x }',
    );
    const result = checkConfig(text, 'w.yaml');
    expect(result.errors).toEqual([]);
    expect(result.config).toBeDefined();
    expect(lines(result.warnings)).toEqual([
      'w.yaml:4: pools.web.queueTimeout: has no effect without maxQueue',
      'w.yaml:6: pools.web.health.timeout: timeout (2s) should be shorter than interval (1s)',
      'w.yaml:11: listeners[0].routes[0].key: only used by hashing schedulers; pool "web" uses rr',
      'w.yaml:12: listeners[0].routes[1]: unreachable: routes[0] matches every request',
    ]);
    const seen: ConfigIssue[] = [];
    parseConfig(text, 'w.yaml', { onWarning: (w) => seen.push(w) });
    expect(seen).toEqual(result.warnings);
  });
});

describe('PROXY protocol keys', () => {
  it('warn about the deprecated listener proxyProtocol and acceptProxyFrom without acceptProxy', () => {
    const text = yaml(
      'directories: { people: { file: users.ldif } }',
      'pools:',
      '  imap: { sendProxy: v2, servers: [ { name: a, address: h:143 } ] }',
      '  mx: { servers: [ { name: a, address: h:25 } ] }',
      'listeners:',
      '  - { name: imap, protocol: imap, listen: 127.0.0.1:143, directory: people, pool: imap, proxyProtocol: v1 }',
      '  - name: smtp',
      '    protocol: smtp',
      '    listen: 127.0.0.1:25',
      '    directory: people',
      '    pool: mx',
      '    domains: [example.org]',
      '    proxyProtocol: v2',
      '    acceptProxyFrom: [10.0.0.0/8]',
      '  - { name: www, listen: 127.0.0.1:80, acceptProxy: true, acceptProxyFrom: [10.0.0.1, "2001:db8::/32"] }',
    );
    const result = checkConfig(text, 'p.yaml');
    expect(result.errors).toEqual([]);
    expect(lines(result.warnings)).toEqual([
      'p.yaml:6: listeners[0].proxyProtocol: deprecated, and overridden by the sendProxy of pool "imap"',
      'p.yaml:13: listeners[1].proxyProtocol: deprecated: set sendProxy: v2 on pool "mx" instead (its health checks then send a PROXY header too)',
      'p.yaml:14: listeners[1].acceptProxyFrom: has no effect without acceptProxy: true',
    ]);
  });

  it('warn that cache nodes do not send the header to an origin pool with sendProxy', () => {
    const text = yaml(
      'pools:',
      '  origin: { sendProxy: v1, servers: [ { name: a, address: h:80 } ] }',
      'cache: { name: c1, listen: 127.0.0.1:3128, icp: 127.0.0.1:3130, origin: origin }',
    );
    expect(lines(checkConfig(text, 'c.yaml').warnings)).toEqual([
      'c.yaml:3: cache.origin: pool "origin" has sendProxy, which cache nodes do not send: its servers would refuse them',
    ]);
  });

  it('reject bad versions and CIDRs', () => {
    const text = yaml(
      'pools:',
      '  web: { sendProxy: v3, servers: [ { name: a, address: h:80 } ] }',
      'listeners:',
      '  - { name: www, listen: 127.0.0.1:80, acceptProxy: true, acceptProxyFrom: [10.0.0.0/40] }',
    );
    const result = checkConfig(text, 'p.yaml');
    expect(lines(result.errors).join('\n')).toMatch(/pools\.web\.sendProxy/);
    expect(lines(result.errors).join('\n')).toMatch(/listeners\[0\]\.acceptProxyFrom\[0\]/);
  });
});
