// Exact percentiles (nearest-rank on the sorted samples): with <= a few million samples per run,
// sorting is cheap and avoids any histogram quantization.

export function percentile(sorted: Float64Array | number[], q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.max(1, Math.ceil((q / 100) * n)); // nearest-rank
  return sorted[Math.min(n, rank) - 1]!;
}

export class Samples {
  private buf = new Float64Array(1024);
  private n = 0;
  push(x: number): void {
    if (this.n === this.buf.length) {
      const b = new Float64Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.n++] = x;
  }
  get count(): number {
    return this.n;
  }
  sorted(): Float64Array {
    return this.buf.slice(0, this.n).sort();
  }
}
