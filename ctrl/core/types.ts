// The control core's vocabulary: entries, control messages, events in, actions out.
// Everything here is plain data; nothing performs I/O.

export type NodeId = number;

/** A log entry. `frame` is the APPEND frame exactly as the NIC's log RAM holds it (header + payload). */
export interface Entry {
  index: number;
  term: number;
  frame: Uint8Array;
}

/** Control message types (mirrors proto/control.proto `MsgType`). */
export const MsgType = {
  PreVote: 1,
  PreVoteResp: 2,
  Vote: 3,
  VoteResp: 4,
  Append: 5,
  AppendResp: 6,
  Heartbeat: 7,
  HeartbeatResp: 8,
  Snapshot: 9,
  TimeoutNow: 10,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];
export const MSG_NAMES: Record<number, string> = Object.fromEntries(Object.entries(MsgType).map(([k, v]) => [v, k]));

/**
 * A control message (decoded and authenticated before it reaches the core).
 * Entries never travel inside control messages: the NIC's frames are larger than a control
 * payload may be, so the leader sends entries as APPEND frames (flag RETRANSMIT) and the Append
 * message names them by (index, term, crc).
 */
export interface Message {
  type: MsgType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** Vote: candidate's last log term; Append: term at `index` (prevLogTerm); AppendResp reject: hint term. */
  logTerm: number;
  /** Vote: candidate's last index; Append: prevLogIndex; AppendResp: match index or reject hint. */
  index: number;
  commit: number;
  reject: boolean;
  /** AppendResp reject: the follower's hint (largest index that may match); HeartbeatResp: follower's last index;
   *  Append: the leader's host log last index (older-term entries beyond it conflict) */
  hint: number;
  /** Append: terms and CRC32s of the entries index+1 .. index+n (their frames travel separately). */
  entryTerms: number[];
  entryCrcs: number[];
  /** Heartbeat/HeartbeatResp: read or lease round; PreVote/Vote: 1 = leadership transfer (ignore stickiness). */
  context: number;
  /** Vote/PreVote(Resp): the sender restarted and may have lost its NIC log tail (amnesia guard). */
  recovering: boolean;
  /** Snapshot chunk: metadata and a byte range of the snapshot data. */
  snap?: SnapshotChunk;
  /** Heartbeat: a follower read lease (docs/control-plane.md §6) */
  lease?: LeaseGrant;
  /** Heartbeat (followerReads): the leader's durableIndex(), a committed index a quorum's storage holds */
  durable?: number;
}

/**
 * A follower read lease: valid on the follower's own clock from the moment it answered heartbeat
 * round `round` of this leader, for `ns` nanoseconds (the leader already scaled it by the drift
 * bound); reads under it are answered once the follower applied at least `floor`.
 */
export interface LeaseGrant {
  round: number;
  ns: number;
  floor: number;
}

export interface SnapshotMeta {
  index: number;
  term: number;
  voters: NodeId[];
}
export interface Snapshot extends SnapshotMeta {
  data: Uint8Array;
}
export interface SnapshotChunk extends SnapshotMeta {
  offset: number;
  total: number;
  data: Uint8Array;
}

export interface HardState {
  term: number;
  vote: NodeId; // 0 = none (node ids used by the core are 1..7; 0 is never a voter)
  commit: number;
}

/** Registers the core writes or reads (names from the `raft` CSR block). */
export type CsrName =
  | 'NODE_ID' | 'CLUSTER_ID' | 'ROLE' | 'TERM' | 'LEADER_ID' | 'MEMBERS' | 'QUORUM' | 'FAST_EN'
  | 'TERM_START' | 'LAST_INDEX' | 'COMMIT_INDEX' | 'APPLIED_INDEX' | 'MATCH_SEL' | 'MATCH_INDEX' | 'STATUS'
  | 'REPLY_MASK';

export type NicOp =
  | { op: 'csrWrite'; reg: CsrName; value: number }
  | { op: 'csrRead'; reg: CsrName }
  | { op: 'logWrite'; index: number; frame: Uint8Array }
  | { op: 'logRead'; index: number };

/** Events the NIC side reports (the driver turns host RX queue items and register reads into these). */
export type NicEvent =
  /** host RX queue, reason COMMITTED */
  | { type: 'committed'; frame: Uint8Array }
  /** host RX queue, any other reason (HostReason code) */
  | { type: 'punt'; reason: number; frame: Uint8Array }
  /** periodic: the driver read LAST_INDEX/COMMIT_INDEX and the HEARTBEAT_RX+APPEND_ACCEPTED counters */
  | { type: 'progress'; lastIndex: number; commitIndex: number; activity: number }
  /** the answer to a csrRead action */
  | { type: 'csr'; reg: CsrName; value: number }
  /** the answer to a logRead action (null: the NIC could not read it) */
  | { type: 'log'; index: number; frame: Uint8Array | null }
  /** a follower asked for an index the leader NIC no longer holds in its log RAM */
  | { type: 'needsRepair'; node: NodeId; index: number }
  /** host RX queue, reason LEADER_SILENT: the follower NIC saw no frame from the leader for its
   *  SILENCE_CYCLES (issue 18; only acted on with Config.nicSilenceNs) */
  | { type: 'leaderSilent' };

export type Event =
  | { kind: 'tick'; nowNs: number }
  | { kind: 'message'; msg: Message }
  /** The driver's clock moved (no timer fires: that is the next tick's). A real-time driver steps it
   *  before the input it read, so that input read after the process was paused is handled at the
   *  time it was read, not at the last tick's (docs/deploying.md §4). */
  | { kind: 'clock'; nowNs: number }
  | { kind: 'nic'; ev: NicEvent }
  /** an entry through the host path (client op while the fast path cannot take it, or the control plane's own) */
  | { kind: 'propose'; payload: Uint8Array; clientId?: number; seq?: number; flags?: number }
  /** storage made durable everything the core asked up to (index, term) and the hard state */
  | { kind: 'persisted'; index: number; term: number }
  /** start an election now (as if the election timeout fired), e.g. from an operator */
  | { kind: 'campaign' }
  | { kind: 'transfer'; to: NodeId }
  | { kind: 'confChange'; op: 'add' | 'remove'; node: NodeId }
  /** linearizable read: ctx comes back in a ReadState once it is safe to read at `index`. `nowNs`:
   *  the driver's clock when the read arrived (a follower checks its read lease against it) */
  | { kind: 'read'; ctx: number; nowNs?: number }
  /** the application took a snapshot at `index` (<= applied): compact the log */
  | { kind: 'compact'; index: number; data: Uint8Array };

export interface ReadState {
  ctx: number;
  index: number;
  /** 'lease' (the leader's lease: no message round), 'quorum' (heartbeat round, ReadIndex) or
   *  'follower' (a follower under a read lease: docs/control-plane.md §6) */
  via: 'lease' | 'quorum' | 'follower';
}

/**
 * One batch of actions. The driver MUST perform them in this order:
 *   1. persist: snapshot, then truncate+append `entries`, then `hardState` (fsync),
 *   2. `nic` operations, in order (CSR writes and log port operations),
 *   3. send `frames` and `messages`,
 *   4. apply `snapshotToApply` then `committed` entries to the state machine, hand `readStates` out,
 *   5. step `{kind:'persisted'}` with `persistUpTo` once (1) is durable.
 */
export interface Ready {
  hardState?: HardState;
  /** entries to persist; storage truncates every entry with index >= entries[0].index first */
  entries: Entry[];
  /** a truncation without new entries (the host log was cut back to `truncateAfter`) */
  truncateAfter?: number;
  snapshot?: Snapshot;
  nic: NicOp[];
  frames: { to: NodeId | 'group'; frame: Uint8Array }[];
  messages: Message[];
  snapshotToApply?: Snapshot;
  committed: Entry[];
  readStates: ReadState[];
  persistUpTo?: { index: number; term: number };
}

/** A random source the driver injects (seeded in simulation). */
export interface Rand {
  /** uniform integer in [0, n) */
  int(n: number): number;
}

export interface Config {
  id: NodeId;
  clusterId: number;
  /** initial voters when storage holds no configuration (bootstrap) */
  voters: NodeId[];
  electionTimeoutNs: number;   // minimum; the randomized timeout is drawn from [T, 2T)
  heartbeatIntervalNs: number; // host-level control heartbeat (leader -> followers)
  rand: Rand;
  preVote?: boolean;           // default true
  checkQuorum?: boolean;       // default true: a leader without a quorum of contact steps down
  /** relative clock rate error bound between any two hosts (e.g. 1e-4 = 100 ppm) */
  maxClockDrift?: number;      // default 1e-4
  leaseReads?: boolean;        // default true
  /**
   * Follower reads under leases (docs/control-plane.md §6): a follower holding a read lease of the
   * current leader answers linearizable reads itself. While leases are out, the leader's NIC
   * commits only what every voter holds (QUORUM = all). Needs leaseReads and checkQuorum. Default false.
   */
  followerReads?: boolean;
  /**
   * A leader's linearizable read takes COMMIT_INDEX from the driver's next progress report instead
   * of a register read of its own (default false): no read per batch, up to a tick more latency.
   */
  readIndexAtTick?: boolean;
  /** the longest follower read lease, ns on the follower's clock (default: the election timeout; the leader lease bounds it too) */
  followerLeaseNs?: number;
  /**
   * NIC failure detection (docs/control-plane.md §4.1). 0 (default): off, a follower stands for
   * election when its election timeout fires. > 0: a follower whose NIC reported the leader silent
   * (NicEvent leaderSilent) may vote and campaign once this long passed since it last heard from
   * the leader (own clock), and campaigns then (the followers in the order of their ids, two of
   * these apart); while the silence lasts a lost election is retried after a quarter of the
   * election timeout. The promise every lease rests on shrinks to match: the leader lease
   * lasts this long after a quorum-acknowledged send, not an election timeout. At most
   * electionTimeoutNs (the timeout stays the fallback when the NIC path fails).
   */
  nicSilenceNs?: number;
  /**
   * Arm on vote (default false; docs/control-plane.md §3.1, issue 18): a follower that grants its
   * vote for term T to a candidate whose last (index, term) equals its own turns its NIC's fast path
   * on at once, following the candidate as the leader of T, instead of waiting for the new leader's
   * first Append: the new leader's first APPENDs are taken by the NIC, not punted. The first Append
   * or Heartbeat of that leader in T then reconciles the follower without freezing its NIC.
   */
  armOnVote?: boolean;
  /**
   * Follower replies (docs/architecture.md "Follower replies"; default false): when the core turns
   * its NIC's fast path on it writes REPLY_MASK, so that requests flagged FOLLOWER_REPLY are answered
   * by the follower NICs, each for the client ids mod 8 given to it (followerReplyMask), when their
   * commit index covers the entry. Off: REPLY_MASK is never written (it stays 0 after a reset).
   */
  followerReplies?: boolean;
  maxAppendEntries?: number;   // entries named per Append message (default 12: the Append must fit a 256-byte control payload)
  maxInflightAppends?: number; // Appends in flight per follower in replicate state (default 8)
  snapshotChunkBytes?: number; // default 128 (a control payload must fit the NIC's MAX_PAYLOAD)
  /** a restarted node may have lost acknowledged entries (NIC RAM is volatile): default true */
  amnesiaGuard?: boolean;
  /** host-path proposals queued at the leader while its NIC syncs (default 1024); more are refused 'busy' */
  maxPendingProposals?: number;
  /** linearizable reads waiting for their COMMIT_INDEX answer or heartbeat round (default 1024); more are refused 'busy' */
  maxPendingReads?: number;
  /** control messages parked until a freeze-and-sync completes (default 64); more are dropped and counted */
  maxSyncWaiters?: number;
  /** log port reads in flight while the host fetches the NIC's tail (default 256) */
  maxLogReads?: number;
}

/**
 * Why the core did not take an event from a client of the driver (`Core.step` returns it). The
 * driver turns 'busy' into a busy reply and 'not-leader' into a redirect; nothing was queued.
 */
export type Refusal =
  | { refused: 'busy'; queue: 'proposals' | 'reads'; limit: number }
  | { refused: 'not-leader'; lead: NodeId };

export type Role = 'follower' | 'precandidate' | 'candidate' | 'leader';

export function emptyMessage(type: MsgType, from: NodeId, to: NodeId, term: number): Message {
  return { type, from, to, term, logTerm: 0, index: 0, commit: 0, reject: false, hint: 0, entryTerms: [], entryCrcs: [], context: 0, recovering: false };
}
