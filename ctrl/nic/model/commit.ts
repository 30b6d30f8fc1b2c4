// nicraft_commit (hw/rtl/nicraft_commit.sv): match indexes and the commit index.
//
// Leader: every follower's match index moves up with its ACKs (the plane merge's parallel ACK path
// and ACKs in the main pipeline) and its NACKs (a NACK for index e says e-1 is held). The quorum
// (quorum.ts) of the match indexes, this node's own being its last index, moves the commit index,
// never below TERM_START nor past the last index. Follower: the commit index follows the leader's
// (the execute engine's ev_commit, capped at the log's tail); with QUORUM 2, this node and the leader
// members, it moves to an APPEND accepted fresh at its last beat (follower commit, ev_fresh_end,
// unless the host writes LAST_INDEX in that cycle). Chain tail (tailOn: ROLE follower, CHAIN.TAIL, fast
// path on): the commit index follows the last index. A NIC that leads a chain successor (chainLead:
// CHAIN.SUCC_ID set) moves no match index on a NACK (the successor's NACK says nothing of the chain below
// it). The host's writes of COMMIT_INDEX and MATCH_INDEX win over the engine's updates.
import { Quorum } from './quorum.js';

export class Commit {
  private readonly MAXN: number;
  readonly quorum: Quorum;
  /** the match index registers */
  readonly match: Uint32Array;
  /** ... as the engine moves them this cycle (valid where movedM has the bit) */
  readonly matchNext: Uint32Array;
  movedM = 0;
  commitIndex = 0;
  commitNext = 0;
  /** fc_block_reg: a control-plane entry (client id 0) was accepted since the fast path went on */
  fcBlock = false;
  fcBlockNext = false;
  /** combinational: the leader's quorum moves the commit index this cycle; what delivery may reach */
  commitAdv = false;
  dlvTarget = 0;

  constructor(maxNodes: number) {
    this.MAXN = maxNodes;
    this.quorum = new Quorum(maxNodes);
    this.match = new Uint32Array(maxNodes);
    this.matchNext = new Uint32Array(maxNodes);
  }

  reset(): void {
    this.commitIndex = 0;
    this.fcBlock = false;
    this.match.fill(0);
    this.quorum.reset();
  }

  /** A chain tail's commit index would follow its last index (unless the host writes LAST_INDEX this cycle). */
  tailWants(tailOn: boolean, logMid: boolean, last: number, commit: number): boolean {
    return tailOn && !logMid && last > commit;
  }

  /** The leader's quorum moves the commit index (from the registers as they are). */
  adv(leaderMode: boolean, termStart: number, last: number): boolean {
    const q = this.quorum;
    const qi = q.qIndex;
    return leaderMode && q.qValid && qi > this.commitIndex && qi >= termStart && qi <= last;
  }

  /** The quorum's inputs, the commit index's next value and the delivery target. */
  comb(leaderMode: boolean, members: number, quorum: number, nodeId: number, termStart: number, last: number,
    evCommit: boolean, evCommitIndex: number, leaderId: number, evFreshEnd: boolean, evFreshIndex: number, wrLastIndex: boolean,
    fastEn: boolean, evCtlAccept: boolean, tailOn: boolean, logMid: boolean): void {
    this.quorum.eval(members, quorum, nodeId, last, this.match);
    const commitAdv = this.adv(leaderMode, termStart, last);
    const commit = this.commitIndex;
    const fCommitAdv = evCommit && evCommitIndex > commit;
    const fcOn = !leaderMode && quorum === 2 && ((members >> nodeId) & 1) === 1 && leaderId < this.MAXN && ((members >> leaderId) & 1) === 1;
    // a control-plane entry (client id 0: a no-op or a configuration change) stops follower commit until
    // the fast path is turned off and on again (MEMBERS and QUORUM may be stale after it)
    const fcAdv = evFreshEnd && fcOn && !this.fcBlock && !evCtlAccept && !wrLastIndex && evFreshIndex > commit;
    this.fcBlockNext = fastEn && (this.fcBlock || evCtlAccept);
    // chain tail: every entry of its log is on every NIC of the chain (nicraft_commit.sv)
    // (not while the execute engine writes a frame: its last beat sets the tail, whatever the host wrote)
    const tailAdv = this.tailWants(tailOn, logMid, last, commit) && !wrLastIndex;
    const qi = this.quorum.qIndex;
    this.commitAdv = commitAdv;
    this.commitNext = commitAdv ? qi : fcAdv ? evFreshIndex : tailAdv ? last : fCommitAdv ? evCommitIndex : commit;
    this.dlvTarget = commitAdv ? qi : commit;
  }

  /** match_next: the ACK path (ackSrc -1: none), ACKs and NACKs taken by the execute engine. */
  combMatch(ackSrc: number, ackIndex: number, evAck: boolean, evNackIn: boolean, evSrc: number, evIndex: number, chainLead: boolean): void {
    let movedM = 0;
    const evNack = evNackIn && !chainLead;
    if (ackSrc >= 0 || evAck || evNack) {
      const matchNext = this.matchNext;
      for (let n = 0; n < this.MAXN; n++) {
        let mn = this.match[n]!;
        if (ackSrc === n && ackIndex > mn) mn = ackIndex;
        if (evAck && evSrc === n && evIndex > mn) mn = evIndex;
        if (evNack && evSrc === n && ((evIndex - 1) >>> 0) > mn) mn = (evIndex - 1) >>> 0;
        matchNext[n] = mn;
        if (mn !== this.match[n]) movedM |= 1 << n;
      }
    }
    this.movedM = movedM;
  }

  /** The match registers at the clock edge. */
  clockMatch(): void {
    const movedM = this.movedM;
    if (movedM === 0) return;
    for (let n = 0; n < this.MAXN; n++) if ((movedM >> n) & 1) this.match[n] = this.matchNext[n]!;
    this.quorum.bump();
  }

  /** _reg <= _next (before the host's CSR write, which wins). */
  latch(): void {
    this.commitIndex = this.commitNext;
    this.fcBlock = this.fcBlockNext;
  }

  /** match_view[sel] as the CSR block reads it (MATCH_SEL is 3 bits: 0 past MAX_NODES, see docs/model-nic.md). */
  view(sel: number, nodeId: number, last: number): number {
    if (sel >= this.MAXN) return 0;
    return sel === nodeId ? last : this.match[sel]!;
  }

  writeMatch(sel: number, v: number): void {
    if (sel < this.MAXN) { this.match[sel] = v; this.quorum.bump(); }
  }
}
