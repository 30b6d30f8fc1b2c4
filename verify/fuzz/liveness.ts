// The campaign's liveness detector (issue 15): what a run that "just stops" looks like, caught as
// it happens rather than as a timeout at the end.
//
//   * TX stall: a NIC that stopped transmitting while it has something to send. A live host
//     always hands its NIC frames (votes, heartbeats and their answers, client replies); a healthy
//     NIC sends a host frame within a few microseconds. If the host handed frames over and no frame
//     at all left the NIC for `stallUs`, the NIC is wedged (issue 15 bug 1: leader mode ending
//     between two beats of a retransmitted frame left the TX arbiter locked on half a frame).
//   * applied stall: a voter whose applied index stands still while the leader commits (it may
//     lag, but it must move). Checked once the faults have stopped (a partitioned voter is
//     entitled to stand still while they last).
//
// Both are pure functions of samples the caller takes (simulated time, per-port counters), so the
// campaign (campaign.ts), directed tests and other worlds share them.

export interface TxSample {
  nowUs: number;
  /** per port: the node is up (a crashed node is not sampled; its state restarts with it) */
  up: boolean[];
  /** per port: frames its NIC transmitted so far (every plane), and host TX frames its host handed it so far */
  tx: number[];
  hostTx: number[];
}

export class TxStallDetector {
  private readonly st: Array<{ tx: number; hostTx: number; pendingSinceUs: number; flagged: boolean }>;
  constructor(ports: number, readonly stallUs: number) {
    this.st = Array.from({ length: ports }, () => ({ tx: -1, hostTx: -1, pendingSinceUs: -1, flagged: false }));
  }

  /** Takes one sample; returns a description of each NIC found stalled now (each NIC once). */
  sample(s: TxSample): string[] {
    const out: string[] = [];
    this.st.forEach((w, p) => {
      const tx = s.tx[p]!;
      const htx = s.hostTx[p]!;
      if (!s.up[p] || w.tx < 0 || tx > w.tx || tx < w.tx) { w.tx = tx; w.hostTx = htx; w.pendingSinceUs = -1; return; }
      if (w.pendingSinceUs < 0 && htx > w.hostTx) w.pendingSinceUs = s.nowUs;
      if (w.pendingSinceUs >= 0 && s.nowUs - w.pendingSinceUs > this.stallUs && !w.flagged) {
        w.flagged = true;
        out.push(`n${p + 1}'s NIC stopped transmitting: its host handed it ${htx - w.hostTx} frame(s) since ${w.pendingSinceUs.toFixed(1)} us ` +
          `and no frame left the NIC for ${(s.nowUs - w.pendingSinceUs).toFixed(1)} us (${tx} sent in all)`);
      }
    });
    return out;
  }

  /** Ports flagged so far. */
  flagged(): number[] {
    return this.st.flatMap((w, p) => (w.flagged ? [p] : []));
  }
}

export interface AppliedSample {
  nowUs: number;
  /** the live leader (port) and its commit index; -1: none */
  leader: number;
  commit: number;
  /** the leader's voters (ports) */
  voters: number[];
  /** per port: applied index, -1 when down */
  applied: number[];
}

export class AppliedStallDetector {
  private readonly st: Array<{ applied: number; sinceUs: number; commitAt: number; flagged: boolean }>;
  constructor(ports: number, readonly stallUs: number) {
    this.st = Array.from({ length: ports }, () => ({ applied: -1, sinceUs: 0, commitAt: 0, flagged: false }));
  }

  sample(s: AppliedSample): string[] {
    const out: string[] = [];
    if (s.leader < 0) return out;
    for (const p of s.voters) {
      const w = this.st[p];
      if (!w || p === s.leader) continue;
      const a = s.applied[p]!;
      if (a < 0) { w.applied = -1; continue; }
      if (a !== w.applied || a >= s.commit) { w.applied = a; w.sinceUs = s.nowUs; w.commitAt = s.commit; continue; }
      if (!w.flagged && s.commit > w.commitAt && s.nowUs - w.sinceUs > this.stallUs) {
        w.flagged = true;
        out.push(`voter n${p + 1}'s applied index stood at ${a} for ${(s.nowUs - w.sinceUs).toFixed(1)} us while leader n${s.leader + 1} committed ${w.commitAt} -> ${s.commit}`);
      }
    }
    return out;
  }

  flagged(): number[] {
    return this.st.flatMap((w, p) => (w.flagged ? [p] : []));
  }
}
