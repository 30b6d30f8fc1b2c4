// The leader's view of each follower: how far its log matches (match), what to send next
// (next), and whether it is being probed, streamed to, or sent a snapshot.

import type { NodeId } from './types.js';
import { committedIndex, hasQuorum, voteResult, type VoteResult } from './quorum.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** probe: an Append is outstanding; wait for the answer or the next heartbeat before resending */
  probeSent = false;
  /** snapshot: index of the snapshot being sent */
  pendingSnapshot = 0;
  /** heard from since the last checkQuorum round */
  recentActive = false;
  /** last time (ns, leader's clock) the follower acknowledged a heartbeat sent at that time */
  ackedSendNs = -Infinity;
  /** the match index last written to the NIC's MATCH_INDEX for this node */
  nicMatch = 0;
  /** the follower's host commit index as it last reported it: entries its storage holds durably */
  durable = 0;
  /** snapshot: when (leader's clock, ns) the snapshot was last sent */
  snapshotSentNs = 0;
  /** its last HeartbeatResp said it is not reconciled in this term (no follower read lease for it) */
  heartbeatRejected = false;
  /** replicate: last index of each Append sent and not yet answered (the pipeline window) */
  inflight: number[] = [];

  constructor(next: number) {
    this.next = next;
  }

  /** A successful append answer up to n. Returns true when match moved. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (n > this.match) {
      this.match = n;
      updated = true;
    }
    while (this.inflight.length > 0 && this.inflight[0]! <= n) this.inflight.shift();
    if (this.next < n + 1) this.next = n + 1;
    this.probeSent = false;
    return updated;
  }

  /** A rejection: back next off to (at most) hint+1. Returns false for a stale rejection. */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = Math.max(this.match + 1, Math.min(rejected, hint + 1));
      this.becomeProbe();
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  becomeProbe(): void {
    // a pipeline that broke (a lost Append): start again after the match
    if (this.state === 'replicate') this.next = this.match + 1;
    this.inflight = [];
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.next = Math.max(this.next, this.match + 1);
  }
  becomeReplicate(): void {
    this.inflight = [];
    this.state = 'replicate';
    this.probeSent = false;
    this.next = Math.max(this.next, this.match + 1);
  }
  becomeSnapshot(index: number): void {
    this.inflight = [];
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.probeSent = false;
  }

  toString(): string {
    return `${this.state} match=${this.match} next=${this.next}`;
  }
}

/** Progress of every voter plus the votes of the current election. */
export class ProgressTracker {
  voters: NodeId[] = [];
  progress = new Map<NodeId, Progress>();
  votes = new Map<NodeId, boolean>();
  /** voters that answered a vote request saying they are recovering (amnesia guard) */
  recovering = new Set<NodeId>();

  constructor(voters: readonly NodeId[], next: number) {
    this.reset(voters, next);
  }

  reset(voters: readonly NodeId[], next: number): void {
    this.voters = [...voters].sort((a, b) => a - b);
    this.progress = new Map(this.voters.map((v) => [v, new Progress(next)]));
    this.resetVotes();
  }

  /** Keeps the progress of voters that stay, adds fresh progress for new ones. */
  setVoters(voters: readonly NodeId[], next: number): void {
    const old = this.progress;
    this.voters = [...voters].sort((a, b) => a - b);
    this.progress = new Map(this.voters.map((v) => [v, old.get(v) ?? new Progress(next)]));
  }

  get(id: NodeId): Progress | undefined {
    return this.progress.get(id);
  }

  isVoter(id: NodeId): boolean {
    return this.progress.has(id);
  }

  resetVotes(): void {
    this.votes.clear();
    this.recovering.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const v of this.voters) {
      const r = this.votes.get(v);
      if (r === true) granted++;
      else if (r === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voters, this.votes) };
  }

  /** Largest index replicated on a majority (by match indexes). */
  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match);
  }

  /** Largest index every voter holds (follower leases out: the leader commits only that). */
  committedAll(): number {
    let m = Infinity;
    for (const v of this.voters) m = Math.min(m, this.progress.get(v)?.match ?? 0);
    return m === Infinity ? 0 : m;
  }

  /** checkQuorum: true if a majority was active since the last call; clears the flags (except self). */
  quorumActive(self: NodeId): boolean {
    const ok = hasQuorum(this.voters, (id) => id === self || this.progress.get(id)!.recentActive);
    for (const [id, p] of this.progress) if (id !== self) p.recentActive = false;
    return ok;
  }

  /** The latest heartbeat send time that a majority (self included, at `selfNs`) acknowledged. */
  quorumAckedSendNs(self: NodeId, selfNs: number): number {
    const t = this.voters.map((id) => (id === self ? selfNs : this.progress.get(id)!.ackedSendNs)).sort((a, b) => b - a);
    return t[Math.floor(this.voters.length / 2)]!;
  }
}
