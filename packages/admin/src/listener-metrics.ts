import type { Registry } from 'prom-client';
import type { ListenerStatsView, TrafficStats } from './listener-stats.js';
import { histogramSamples, registerSnapshotMetric, type Sample } from './snapshot-metric.js';

type Scope = 'listener' | 'route' | 'pool' | 'server';

/** Each (labels, traffic) pair of a scope across every listener. */
function scoped(views: readonly ListenerStatsView[], scope: Scope): [Record<string, string>, TrafficStats][] {
  const out: [Record<string, string>, TrafficStats][] = [];
  for (const v of views) {
    const base = { listener: v.name, protocol: v.protocol };
    if (scope === 'listener') out.push([base, v.traffic]);
    else if (scope === 'route')
      for (const [route, t] of Object.entries(v.routes)) out.push([{ ...base, route }, t]);
    else if (scope === 'pool')
      for (const [pool, t] of Object.entries(v.pools)) out.push([{ ...base, pool }, t]);
    else
      for (const [key, t] of Object.entries(v.servers)) {
        const slash = key.indexOf('/');
        out.push([{ ...base, pool: key.slice(0, slash), server: key.slice(slash + 1) }, t]);
      }
  }
  return out;
}

/**
 * Traffic metrics of every listener, per listener, route, pool and server:
 * `lvs7_<scope>_requests_total{class}`, `_active_requests`, `_bytes_total{direction}`,
 * `_retries_total`, `_errors_total{code}`, `_request_duration_seconds` (histogram).
 */
export function registerListenerMetrics(registry: Registry, views: () => readonly ListenerStatsView[]): void {
  for (const scope of ['listener', 'route', 'pool', 'server'] as const) {
    const each = (fn: (labels: Record<string, string>, t: TrafficStats) => Sample[]) => () =>
      scoped(views(), scope).flatMap(([labels, t]) => fn(labels, t));
    const prefix = `lvs7_${scope}`;
    registerSnapshotMetric(registry, {
      name: `${prefix}_requests_total`,
      help: `Requests (HTTP) or sessions (mail) handled, by status class, per ${scope}`,
      type: 'counter',
      samples: each((labels, t) =>
        Object.entries(t.responses).map(([cls, value]) => ({ labels: { ...labels, class: cls }, value })),
      ),
    });
    registerSnapshotMetric(registry, {
      name: `${prefix}_active_requests`,
      help: `Requests or sessions in flight, per ${scope}`,
      type: 'gauge',
      samples: each((labels, t) => [{ labels, value: t.active }]),
    });
    registerSnapshotMetric(registry, {
      name: `${prefix}_bytes_total`,
      help: `Bytes received from clients (in) and sent to them (out), per ${scope}`,
      type: 'counter',
      samples: each((labels, t) => [
        { labels: { ...labels, direction: 'in' }, value: t.bytesIn },
        { labels: { ...labels, direction: 'out' }, value: t.bytesOut },
      ]),
    });
    registerSnapshotMetric(registry, {
      name: `${prefix}_retries_total`,
      help: `Retries on another server, per ${scope}`,
      type: 'counter',
      samples: each((labels, t) => [{ labels, value: t.retries }]),
    });
    registerSnapshotMetric(registry, {
      name: `${prefix}_errors_total`,
      help: `Failed exchanges by stable error code, per ${scope}`,
      type: 'counter',
      samples: each((labels, t) =>
        Object.entries(t.errors).map(([code, value]) => ({ labels: { ...labels, code }, value })),
      ),
    });
    registerSnapshotMetric(registry, {
      name: `${prefix}_request_duration_seconds`,
      help: `Time from request to the end of the response (or session), per ${scope}`,
      type: 'histogram',
      samples: each((labels, t) => histogramSamples(`${prefix}_request_duration_seconds`, labels, t.latency)),
    });
  }
  registerSnapshotMetric(registry, {
    name: 'lvs7_listener_connections',
    help: 'Client connections open now',
    type: 'gauge',
    samples: () =>
      views().map((v) => ({ labels: { listener: v.name, protocol: v.protocol }, value: v.connections })),
  });
  registerSnapshotMetric(registry, {
    name: 'lvs7_listener_connections_total',
    help: 'Client connections accepted',
    type: 'counter',
    samples: () =>
      views().map((v) => ({ labels: { listener: v.name, protocol: v.protocol }, value: v.connectionsTotal })),
  });
}
