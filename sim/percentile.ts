// Exact nearest-rank percentiles of a run's samples (latencies of a few thousand requests: sorting is
// cheap and exact; the load sweeps with millions of samples use hdr-histogram-js, bench/report/measure.ts).

/** The nearest-rank `q` quantile (0 < q <= 1) of the samples; 0 when there are none (a figure in JSON). */
export function quantileOf(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
