import type { Registry } from 'prom-client';

export interface Sample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  /** For histograms: `<name>_bucket`, `_sum`, `_count`. */
  readonly metricName?: string;
}

/**
 * A metric whose samples are computed at scrape time from counters the
 * distributors keep (nothing on the request path). prom-client's own
 * classes cannot be given precomputed histogram buckets, so this registers
 * the plain metric object its Registry formats.
 */
export function registerSnapshotMetric(
  registry: Registry,
  options: { name: string; help: string; type: 'counter' | 'gauge' | 'histogram'; samples: () => Sample[] },
): void {
  const { name, help, type, samples } = options;
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum' as const,
    collect() {},
    reset() {},
    async get() {
      return { name, help, type, aggregator: 'sum' as const, collect() {}, values: samples() };
    },
  };
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}

/** Cumulative `_bucket`, `_sum` and `_count` samples from per-bucket counts in ms, exposed in seconds. */
export function histogramSamples(
  name: string,
  labels: Record<string, string>,
  latency: { bucketsMs: readonly number[]; counts: readonly number[]; sumMs: number; count: number },
): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  latency.bucketsMs.forEach((le, i) => {
    cumulative += latency.counts[i] ?? 0;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: le / 1000 }, value: cumulative });
  });
  cumulative += latency.counts[latency.bucketsMs.length] ?? 0;
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative });
  out.push({ metricName: `${name}_sum`, labels, value: latency.sumMs / 1000 });
  out.push({ metricName: `${name}_count`, labels, value: latency.count });
  return out;
}
