import { describe, expect, it } from 'vitest';
import {
  HealthCheckFailedError,
  InvalidHealthCheckOptionError,
  UnknownHealthCheckError,
} from '../../src/errors.js';
import { parseStatusRanges } from '../../src/health/http-probe.js';
import {
  createHealthProbe,
  failureReason,
  type HealthProbe,
  healthCheckTypes,
  normalizeProbeResult,
  registerHealthCheck,
} from '../../src/health/index.js';

describe('health check registry', () => {
  it('registers the built-in types', () => {
    expect(healthCheckTypes()).toEqual(expect.arrayContaining(['agent', 'http', 'tcp']));
  });

  it('rejects an unknown type with a typed error listing the known ones', () => {
    const error = (() => {
      try {
        createHealthProbe('gopher', {});
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnknownHealthCheckError);
    expect((error as UnknownHealthCheckError).code).toBe('LVS7_ERR_UNKNOWN_HEALTH_CHECK');
    expect((error as Error).message).toContain('http');
  });

  it('lets a protocol package add its own type', async () => {
    const seen: Record<string, unknown>[] = [];
    registerHealthCheck('test-echo', (options) => {
      seen.push(options);
      const probe: HealthProbe = { check: async (target) => `echo ${target.name}` };
      return probe;
    });
    expect(healthCheckTypes()).toContain('test-echo');
    const probe = createHealthProbe('test-echo', { greeting: 'EHLO' });
    expect(seen).toEqual([{ greeting: 'EHLO' }]);
    const value = await probe.check(
      { host: '127.0.0.1', port: 1, name: 'mx1' },
      new AbortController().signal,
    );
    expect(value).toBe('echo mx1');
  });

  it('rejects unknown and mistyped options but accepts session keys', () => {
    expect(() => createHealthProbe('tcp', { prot: 80 })).toThrow(InvalidHealthCheckOptionError);
    expect(() => createHealthProbe('tcp', { port: 'x' })).toThrow(/port/);
    expect(() => createHealthProbe('tcp', { port: 70000 })).toThrow(InvalidHealthCheckOptionError);
    expect(() => createHealthProbe('http', { path: 'health' })).toThrow(/must start with/);
    expect(() => createHealthProbe('http', { method: 'POST' })).toThrow(/GET or HEAD/);
    expect(() => createHealthProbe('http', { method: 'HEAD', body: 'ok' })).toThrow(/HEAD/);
    expect(() => createHealthProbe('http', { status: '2xx' })).toThrow(/status range/);
    expect(() => createHealthProbe('http', { bodyRegex: '(' })).toThrow(/regular expression/);
    expect(() => createHealthProbe('http', { body: 'a', bodyRegex: 'b' })).toThrow(/either/);
    expect(() => createHealthProbe('http', { headers: { x: 1 } })).toThrow(/headers/);
    expect(() => createHealthProbe('agent', { send: 5 })).toThrow(/send/);
    const probe = createHealthProbe('http', {
      type: 'http',
      interval: 1000,
      rise: 2,
      fall: 3,
      path: '/health',
      method: 'head',
    });
    expect(probe).toMatchObject({ path: '/health', method: 'HEAD' });
  });

  it('parses status ranges', () => {
    expect(parseStatusRanges('200-399')).toEqual([[200, 399]]);
    expect(parseStatusRanges(204)).toEqual([[204, 204]]);
    expect(parseStatusRanges('200, 204 ,300-302')).toEqual([
      [200, 200],
      [204, 204],
      [300, 302],
    ]);
    for (const bad of ['', '399-200', '99', '600', '2000', 'abc', '200-']) {
      expect(() => parseStatusRanges(bad)).toThrow(InvalidHealthCheckOptionError);
    }
  });

  it('normalizes results and failure reasons', () => {
    expect(normalizeProbeResult(undefined)).toEqual({});
    expect(normalizeProbeResult('fine')).toEqual({ message: 'fine' });
    expect(normalizeProbeResult({ message: 'm', weightPercent: 50 })).toEqual({
      message: 'm',
      weightPercent: 50,
    });
    expect(failureReason(new HealthCheckFailedError('HTTP 503'))).toBe('HTTP 503');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(failureReason(refused)).toBe('ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1');
    expect(failureReason('boom')).toBe('boom');
  });
});
