// Exact nearest-rank percentiles of a run's samples (latencies of a few thousand requests: sorting is
// cheap and exact; the load sweeps with millions of samples use hdr-histogram-js, bench/report/measure.ts).

/** The nearest-rank `q` quantile (0 < q <= 1) of the samples; 0 when there are none (a figure in JSON). */
export function quantileOf(xs: readonly number[], q: number): number {
  return quantileSorted([...xs].sort((a, b) => a - b), q);
}

/** quantileOf on samples already sorted in ascending order (several quantiles of one sort). */
export function quantileSorted(s: readonly number[], q: number): number {
  if (s.length === 0) return 0;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** A latency figure: the median and the 99th percentile (ns, rounded). */
export interface P50P99 { p50: number; p99: number }

/** The samples' p50 and p99, rounded (0 when there are none). */
export function p50p99(xs: readonly number[]): P50P99 {
  return { p50: Math.round(quantileOf(xs, 0.5)), p99: Math.round(quantileOf(xs, 0.99)) };
}
