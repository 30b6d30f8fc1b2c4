// The fake NIC of the model checker and of the core's interaction tests (test/core/harness.ts):
// a minimal fake of the NIC fast path that records CSR writes and log port operations and runs a
// tiny fast path (sequence REQs, accept in-order APPENDs of its term from its leader, cumulative
// ACKs, quorum commit at the leader, deliver committed entries). It is not the ModelNic.
//
// Every field is plain data (Maps, arrays, numbers, Uint8Arrays that are never written in place),
// so the model checker can clone and fingerprint it.

import type { CsrName, NicEvent, NodeId, Ready } from '../../ctrl/core/types.js';
import { decodeHeader, encodeFrame, Flag, HostReason, MAC_GROUP, MsgType as W, nodeMac, StatusBit } from '../../ctrl/wire/wire.gen.js';

/** Figures over every world explored (not state): follower commits (QUORUM 2, an APPEND of this term taken fresh). */
export const fakeNicFigures = { followerCommits: 0 };

export class FakeNic {
  regs = new Map<CsrName, number>();
  log = new Map<number, Uint8Array>();
  match = new Map<number, number>();
  activity = 0;
  out: { to: NodeId | 'group'; frame: Uint8Array }[] = [];
  /** the host RX queue: punts and committed entries */
  host: NicEvent[] = [];
  /**
   * Answers to the host's register and log port reads, in the order of the reads. The value is
   * taken when the read executes; the answer reaches the core when the driver (the model checker's
   * `nic` choice, the harness) steps it, possibly after other events.
   */
  answers: NicEvent[] = [];
  /** a REQ sequenced (decided under the fast path) whose last beat has not been written yet; null: none */
  inFlight: { index: number; frame: Uint8Array } | null = null;
  /**
   * NIC REPLYs sent at delivery (an entry flagged NIC_REPLY at a leader, or FOLLOWER_REPLY with the
   * REPLY_MASK bit of its client id mod 8, any role), not yet taken by the model checker: each is a
   * promise that the entry is committed (checked like an application).
   */
  replies: { index: number; frame: Uint8Array }[] = [];
  /** followerCommit: the rule of nicraft_commit (QUORUM 2); off, a follower's commit index follows the leader's only */
  constructor(public id: NodeId, public clusterId: number, public followerCommit = true) { this.reset(); }
  reset(): void {
    this.regs = new Map<CsrName, number>([['ROLE', 0], ['TERM', 0], ['FAST_EN', 0], ['LAST_INDEX', 0], ['COMMIT_INDEX', 0], ['APPLIED_INDEX', 0], ['TERM_START', 1], ['MEMBERS', 1], ['QUORUM', 1], ['LEADER_ID', 0], ['NODE_ID', this.id]]);
    this.log.clear();
    this.match.clear();
    this.out = [];
    this.host = [];
    this.answers = [];
    this.inFlight = null;
    this.replies = [];
    this.fcBlock = false;
  }
  /** a control-plane entry (client id 0) was accepted since the fast path went on: follower commit stops */
  fcBlock = false;
  r(n: CsrName): number { return this.regs.get(n) ?? 0; }
  exec(op: Ready['nic'][number]): void {
    switch (op.op) {
      case 'csrWrite':
        if (op.reg === 'MATCH_INDEX') this.match.set(this.r('MATCH_SEL'), op.value);
        else this.regs.set(op.reg, op.value);
        if (op.reg === 'FAST_EN' && op.value !== 1) this.fcBlock = false;
        this.commitCheck();
        return;
      case 'csrRead':
        this.answers.push({ type: 'csr', reg: op.reg, value: op.reg === 'STATUS' ? this.status() : this.r(op.reg) });
        return;
      case 'logWrite':
        this.log.set(op.index, op.frame);
        return;
      case 'logRead':
        this.answers.push({ type: 'log', index: op.index, frame: this.log.get(op.index) ?? null });
        return;
    }
  }
  /**
   * STATUS: FROZEN once FAST_EN=0, unless a REQ is half sequenced (`inFlight`: its index is taken,
   * LAST_INDEX and the log grow when it completes), which FAST_EN=0 does not stop.
   */
  status(): number {
    return this.r('FAST_EN') === 0 && this.inFlight === null ? StatusBit.FROZEN : 0;
  }
  leaderMode(): boolean { return this.r('FAST_EN') === 1 && this.r('ROLE') === 2; }
  rx(frame: Uint8Array): void {
    const h = decodeHeader(frame);
    if (h.clusterId !== this.clusterId) return;
    const punt = (reason: number): void => { this.host.push({ type: 'punt', reason, frame }); };
    if (h.type === W.REQ) {
      if (!this.leaderMode()) return punt(HostReason.NOT_LEADER);
      this.beginReq(frame);
      this.land();
      return;
    }
    const replica = h.type === W.APPEND || h.type === W.HEARTBEAT || h.type === W.ACK || h.type === W.NACK;
    if (!replica) return punt(HostReason.OTHER);
    if (this.r('FAST_EN') !== 1 || this.r('ROLE') === 0) return punt(HostReason.FAST_OFF);
    // as nicraft_exec: a source neither a member nor LEADER_ID is dropped (any term); an APPEND or
    // HEARTBEAT of this term or older not from the leader this NIC follows is dropped (DROP_NOT_MEMBER,
    // DROP_NOT_LEADER: the host never sees them)
    const member = ((this.r('MEMBERS') >> h.srcNode) & 1) === 1 && h.srcNode < 8;
    const fromLeader = this.r('ROLE') === 1 && h.srcNode === this.r('LEADER_ID');
    if (!member && h.srcNode !== this.r('LEADER_ID')) return;
    if (h.term > this.r('TERM')) return punt(HostReason.TERM_NEWER);
    if ((h.type === W.APPEND || h.type === W.HEARTBEAT) && !fromLeader) return;
    if (h.term < this.r('TERM')) return punt(HostReason.TERM_OLDER);
    if (h.type === W.APPEND || h.type === W.HEARTBEAT) {
      const last = this.r('LAST_INDEX');
      if (h.type === W.APPEND) {
        if (h.logIndex === last + 1) {
          this.log.set(h.logIndex, frame);
          this.regs.set('LAST_INDEX', h.logIndex);
          this.activity++;
          // follower commit (nicraft_commit): QUORUM 2, this node and the leader members, an entry of
          // this term sent fresh by the leader (not RETRANSMIT) is on two NICs, the leader's and this one
          const m = this.r('MEMBERS');
          // (a control-plane entry: a no-op or a configuration change; MEMBERS and QUORUM may be stale
          // from it on, until the core turns the fast path off and on again)
          if (h.clientId === 0) this.fcBlock = true;
          if (this.followerCommit && !this.fcBlock && this.r('QUORUM') === 2 && ((m >> this.id) & 1) === 1 && ((m >> h.srcNode) & 1) === 1 &&
              (h.flags & Flag.RETRANSMIT) === 0 && h.logIndex > this.r('COMMIT_INDEX')) {
            this.regs.set('COMMIT_INDEX', h.logIndex);
            fakeNicFigures.followerCommits++;
          }
        } else if (h.logIndex > last + 1) return punt(HostReason.GAP);
        this.out.push({ to: h.srcNode, frame: encodeFrame({ dstMac: nodeMac(h.srcNode), srcMac: nodeMac(this.id), type: W.ACK, clusterId: this.clusterId, flags: 0, srcNode: this.id, dstNode: h.srcNode, term: this.r('TERM'), logIndex: this.r('LAST_INDEX'), commitIndex: this.r('COMMIT_INDEX'), clientId: 0, seq: 0 }) });
      } else this.activity++;
      const c = Math.min(h.commitIndex, this.r('LAST_INDEX'));
      if (c > this.r('COMMIT_INDEX')) this.regs.set('COMMIT_INDEX', c);
      this.deliver();
      return;
    }
    if (this.r('ROLE') !== 2 || !((this.r('MEMBERS') >> h.srcNode) & 1)) return punt(HostReason.NOT_MEMBER);
    if (h.type === W.NACK) return punt(HostReason.OTHER);
    if (h.logIndex > this.r('LAST_INDEX')) return;
    if (h.logIndex > (this.match.get(h.srcNode) ?? 0)) this.match.set(h.srcNode, h.logIndex);
    this.commitCheck();
  }
  /**
   * A REQ's first beat under leader mode: its index is taken (LAST_INDEX + 1), but the log and
   * LAST_INDEX grow only at its last beat (land()). FAST_EN=0 in between does not stop it, and
   * STATUS shows no FROZEN until it lands (the race of fuzz seed 600914).
   */
  beginReq(frame: Uint8Array): void {
    if (this.inFlight !== null) throw new Error(`fake NIC ${this.id}: a REQ began while another is half sequenced`);
    if (!this.leaderMode()) throw new Error(`fake NIC ${this.id}: a REQ sequenced outside leader mode`);
    const h = decodeHeader(frame);
    const idx = this.r('LAST_INDEX') + 1;
    const a = encodeFrame({ ...h, dstMac: MAC_GROUP, srcMac: nodeMac(this.id), type: W.APPEND, srcNode: this.id, dstNode: 0xff, term: this.r('TERM'), logIndex: idx, commitIndex: this.r('COMMIT_INDEX') }, frame.slice(44, 44 + h.payloadLen));
    this.inFlight = { index: idx, frame: a };
  }
  /** The half-sequenced REQ's last beat: into the log, LAST_INDEX grows, the APPEND goes out. */
  land(): void {
    const f = this.inFlight;
    if (f === null) return;
    this.inFlight = null;
    this.log.set(f.index, f.frame);
    this.regs.set('LAST_INDEX', f.index);
    this.out.push({ to: 'group', frame: f.frame });
    this.commitCheck();
  }
  commitCheck(): void {
    if (this.leaderMode()) {
      const members: number[] = [];
      for (let i = 0; i < 8; i++) if ((this.r('MEMBERS') >> i) & 1) members.push(i);
      const q = this.r('QUORUM');
      const m = members.map((i) => (i === this.id ? this.r('LAST_INDEX') : this.match.get(i) ?? 0)).sort((a, b) => b - a);
      const qi = m.length >= q ? m[q - 1]! : 0;
      if (qi > this.r('COMMIT_INDEX') && qi >= this.r('TERM_START') && qi <= this.r('LAST_INDEX')) this.regs.set('COMMIT_INDEX', qi);
    }
    this.deliver();
  }
  deliver(): void {
    while (this.r('APPLIED_INDEX') < this.r('COMMIT_INDEX')) {
      const i = this.r('APPLIED_INDEX') + 1;
      const f = this.log.get(i);
      this.regs.set('APPLIED_INDEX', i);
      if (f) {
        this.host.push({ type: 'committed', frame: f });
        const h = decodeHeader(f);
        if ((this.r('ROLE') === 2 && (h.flags & Flag.NIC_REPLY) !== 0) ||
            ((h.flags & Flag.FOLLOWER_REPLY) !== 0 && ((this.r('REPLY_MASK') >> (h.clientId & 7)) & 1) !== 0)) this.replies.push({ index: i, frame: f });
      }
    }
  }
  heartbeat(): void {
    if (!this.leaderMode()) return;
    this.out.push({ to: 'group', frame: encodeFrame({ dstMac: MAC_GROUP, srcMac: nodeMac(this.id), type: W.HEARTBEAT, clusterId: this.clusterId, flags: 0, srcNode: this.id, dstNode: 0xff, term: this.r('TERM'), logIndex: this.r('LAST_INDEX'), commitIndex: this.r('COMMIT_INDEX'), clientId: 0, seq: 0 }) });
  }
}
