// nicraft_quorum (hw/rtl/nicraft_quorum.sv): the commit quorum over the match indexes.
//
// The quorum index is the highest index N such that at least QUORUM members hold every entry up to
// N (match >= N), over two register stages (the RTL pipelines the compares and count, then the pick,
// to close timing); the model computes the whole result from the inputs of the cycle (cached until an
// input changes: the owner calls bump()) and delays it by the same two registers.
export class Quorum {
  /** stage 1 and the output (stage 2) */
  q1Index = 0;
  q1Valid = false;
  qIndex = 0;
  qValid = false;
  /** the combinational result for the inputs of version `ver` */
  private ver = 1;
  private cacheVer = 0;
  cacheIndex = 0;
  cacheValid = false;

  constructor(readonly maxNodes: number) {}

  reset(): void {
    this.q1Valid = false; this.q1Index = 0; this.qValid = false; this.qIndex = 0;
    this.ver++;
  }

  /** An input (match index, last index, members, quorum, node id) changed. */
  bump(): void {
    this.ver++;
  }

  /** The combinational result for the current inputs (match_view: this node's own is its last index). */
  eval(members: number, quorum: number, nodeId: number, last: number, match: Uint32Array): void {
    if (this.cacheVer === this.ver) return;
    this.cacheVer = this.ver;
    let best = 0;
    let valid = false;
    if (quorum !== 0) {
      const n = this.maxNodes;
      for (let i = 0; i < n; i++) {
        if (!((members >> i) & 1)) continue;
        const mi = i === nodeId ? last : match[i]!;
        let cnt = 0;
        for (let j = 0; j < n; j++) {
          if ((members >> j) & 1 && (j === nodeId ? last : match[j]!) >= mi) cnt++;
        }
        if (cnt >= quorum && mi >= best) { best = mi; valid = true; }
      }
    }
    this.cacheIndex = best;
    this.cacheValid = valid;
  }

  /** The pipeline holds its inputs' result (a clock would change nothing). */
  settled(): boolean {
    return this.q1Valid === this.cacheValid && this.q1Index === this.cacheIndex &&
      this.qValid === this.q1Valid && this.qIndex === this.q1Index;
  }

  /** The clock edge (inputs as they were at the start of the cycle: eval() ran in the cycle). */
  clock(): void {
    this.qIndex = this.q1Index;
    this.qValid = this.q1Valid;
    this.q1Index = this.cacheIndex;
    this.q1Valid = this.cacheValid;
  }
}
