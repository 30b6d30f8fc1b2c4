// nicraft_csr (hw/rtl/nicraft_csr.sv): the CSR block (docs/register-map.md): the host's configuration
// registers, the read mux over every block (ident, raft, counters) and the free-running cycle counter.
//
// A read answers the cycle after the request with the state as it was in the cycle of the request.
// The configuration registers live here; LAST_INDEX, COMMIT_INDEX, APPLIED_INDEX, MATCH_INDEX and the
// counters belong to the engines that update them: write() returns which one the host wrote (the
// RTL's one-cycle strobes) and the wiring lets the owner take the value, after the owner's own update.
import * as M_wire_gen from '../../wire/wire.gen.js';
import type { Derived } from './params.js';
import * as M_params from './params.js';
import type { Stats } from './stats.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const { COUNTER_BASE, CSR_BLOCKS, CSR_RESET, Csr, ETHERTYPE, WIRE_VERSION } = M_wire_gen;
const { ROLE_OFF } = M_params;

const BLK_IDENT = CSR_BLOCKS[0], BLK_RAFT = CSR_BLOCKS[1], BLK_COUNTERS = CSR_BLOCKS[2];
const TWO32 = 4294967296;

/** What a CSR write strobes besides the configuration registers. */
export const W_NONE = 0, W_LAST_INDEX = 1, W_COMMIT_INDEX = 2, W_APPLIED_INDEX = 3, W_MATCH_INDEX = 4, W_CTR_CLEAR = 5, W_QUORUM_INPUT = 6;

export class CsrBlock {
  /** PARAMS0, PARAMS1 (ident block) */
  private readonly params0: number;
  private readonly params1: number;
  // (the values below are overwritten by reset(): the spec's reset values)
  nodeId = 0;
  clusterId = 1;
  role = ROLE_OFF;
  term = 0;
  leaderId = 0;
  members = 1;
  quorum = 1;
  fastEn = false;
  hbInterval = 1000;
  hbCommitDelay = 32;
  ackCount = 1;
  ackDelay = 16;
  /** follower: at most one ACK per ackGap cycles, at once when the gap has passed (0: off) */
  ackGap = 0;
  termStart = 1;
  matchSel = 0;
  planeEn = 7;
  nackInterval = 64;
  rto = 512;
  nackDelay = 16;
  /** follower: LEADER_SILENT after this many cycles without a frame of the leader (0: off) */
  silenceCycles = 0;
  /** REPLY_MASK: follower replies for the client ids mod 8 whose bit is set */
  replyMask = 0;
  /** CHAIN.SUCC_ID (0xFF: none) and CHAIN.TAIL (chain replication, docs/replication-modes.md) */
  succId = 0xff;
  chainTail = false;
  /** the free-running cycle counter */
  cycleReg = 0;
  /** the read data register: valid the cycle after a read */
  rdValid = false;
  rdData = 0;

  constructor(d: Derived) {
    const p = d.p;
    this.params0 = (((d.MB > 1 ? 1 << d.S : 1) & 0xff) << 24 | (p.LOG_DEPTH_LOG2 & 0xff) << 16 | (p.PLANES & 0xff) << 8 | (p.MAX_NODES & 0xff)) >>> 0;
    this.params1 = ((512 << 16) | (p.MAX_PAYLOAD & 0xffff)) >>> 0;
  }

  /** The reset values of spec/wire.yaml (CSR_RESET), as the RTL's NR_CSR_*_RESET. */
  reset(): void {
    const r = CSR_RESET;
    this.cycleReg = 0;
    this.nodeId = r.RAFT_NODE_ID!; this.clusterId = r.RAFT_CLUSTER_ID!; this.role = r.RAFT_ROLE!; this.term = r.RAFT_TERM!;
    this.leaderId = r.RAFT_LEADER_ID!; this.members = r.RAFT_MEMBERS!; this.quorum = r.RAFT_QUORUM!; this.fastEn = r.RAFT_FAST_EN! !== 0;
    this.hbInterval = r.RAFT_HB_INTERVAL!; this.hbCommitDelay = r.RAFT_HB_COMMIT_DELAY!; this.ackCount = r.RAFT_ACK_COUNT!;
    this.ackDelay = r.RAFT_ACK_DELAY!; this.ackGap = r.RAFT_ACK_GAP!; this.termStart = r.RAFT_TERM_START!; this.matchSel = r.RAFT_MATCH_SEL!;
    this.planeEn = r.RAFT_PLANE_EN!; this.nackInterval = r.RAFT_NACK_INTERVAL!; this.rto = r.RAFT_RTO!; this.nackDelay = r.RAFT_NACK_DELAY!;
    this.silenceCycles = r.RAFT_SILENCE_CYCLES!;
    this.replyMask = r.RAFT_REPLY_MASK!;
    this.succId = r.RAFT_CHAIN! & 0xff; this.chainTail = ((r.RAFT_CHAIN! >> 8) & 1) === 1;
    this.rdValid = false;
  }

  /**
   * The read mux (the state at the start of the cycle): the engines' registers as inputs (matchView:
   * the match index MATCH_SEL shows; status: the STATUS bits, StatusBit).
   */
  read(addr: number, last: number, commit: number, applied: number, matchView: number, status: number, stats: Stats): number {
    switch (addr) {
      case Csr.IDENT_TYPE: return BLK_IDENT.type;
      case Csr.IDENT_VERSION: return BLK_IDENT.version;
      case Csr.IDENT_NEXT: return BLK_RAFT.base;
      case Csr.IDENT_PARAMS0: return this.params0;
      case Csr.IDENT_PARAMS1: return this.params1;
      case Csr.IDENT_WIRE_VERSION: return ((ETHERTYPE << 16) | WIRE_VERSION) >>> 0;
      case Csr.IDENT_CYCLE_LO: return this.cycleReg % TWO32;
      case Csr.IDENT_CYCLE_HI: return Math.floor(this.cycleReg / TWO32) >>> 0;
      case Csr.RAFT_TYPE: return BLK_RAFT.type;
      case Csr.RAFT_VERSION: return BLK_RAFT.version;
      case Csr.RAFT_NEXT: return BLK_COUNTERS.base;
      case Csr.RAFT_NODE_ID: return this.nodeId;
      case Csr.RAFT_CLUSTER_ID: return this.clusterId;
      case Csr.RAFT_ROLE: return this.role;
      case Csr.RAFT_TERM: return this.term;
      case Csr.RAFT_LEADER_ID: return this.leaderId;
      case Csr.RAFT_MEMBERS: return this.members;
      case Csr.RAFT_QUORUM: return this.quorum;
      case Csr.RAFT_FAST_EN: return this.fastEn ? 1 : 0;
      case Csr.RAFT_HB_INTERVAL: return this.hbInterval;
      case Csr.RAFT_ACK_COUNT: return this.ackCount;
      case Csr.RAFT_ACK_DELAY: return this.ackDelay;
      case Csr.RAFT_ACK_GAP: return this.ackGap;
      case Csr.RAFT_TERM_START: return this.termStart;
      case Csr.RAFT_LAST_INDEX: return last;
      case Csr.RAFT_COMMIT_INDEX: return commit;
      case Csr.RAFT_APPLIED_INDEX: return applied;
      case Csr.RAFT_MATCH_SEL: return this.matchSel;
      case Csr.RAFT_MATCH_INDEX: return matchView;
      case Csr.RAFT_STATUS: return status;
      case Csr.RAFT_HB_COMMIT_DELAY: return this.hbCommitDelay;
      case Csr.RAFT_PLANE_EN: return this.planeEn;
      case Csr.RAFT_NACK_INTERVAL: return this.nackInterval;
      case Csr.RAFT_RTO: return this.rto;
      case Csr.RAFT_NACK_DELAY: return this.nackDelay;
      case Csr.RAFT_SILENCE_CYCLES: return this.silenceCycles;
      case Csr.RAFT_REPLY_MASK: return this.replyMask;
      case Csr.RAFT_CHAIN: return ((this.chainTail ? 0x100 : 0) | this.succId) >>> 0;
      case Csr.COUNTERS_TYPE: return BLK_COUNTERS.type;
      case Csr.COUNTERS_VERSION: return BLK_COUNTERS.version;
      case Csr.COUNTERS_NEXT: return 0;
      default: {
        if (addr < COUNTER_BASE) return 0;
        const off = (addr - COUNTER_BASE) & 0xffff;
        return stats.read(off >> 3, (off & 4) !== 0);
      }
    }
  }

  /** fast path on, ROLE bit 1: a leader or a chain middle (leads a successor) */
  leaderMode(): boolean { return this.fastEn && (this.role & 2) !== 0; }
  /** fast path on, ROLE bit 0: a follower or a chain middle (follows LEADER_ID) */
  followerMode(): boolean { return this.fastEn && (this.role & 1) !== 0; }
  /** CHAIN.SUCC_ID set: a chain's head or middle */
  chainLead(): boolean { return this.succId !== 0xff; }
  /** the chain's tail: fast path on, ROLE follower, CHAIN.TAIL */
  tailOn(): boolean { return this.fastEn && this.role === 1 && this.chainTail; }

  /** A host write: the configuration registers here; what else it strobes. */
  write(addr: number, v: number): number {
    switch (addr) {
      case Csr.RAFT_NODE_ID: this.nodeId = v & 0xff; return W_QUORUM_INPUT;
      case Csr.RAFT_CLUSTER_ID: this.clusterId = v & 0xffff; break;
      case Csr.RAFT_ROLE: this.role = v & 3; break;
      case Csr.RAFT_TERM: this.term = v; break;
      case Csr.RAFT_LEADER_ID: this.leaderId = v & 0xff; break;
      case Csr.RAFT_MEMBERS: this.members = v & 0xff; return W_QUORUM_INPUT;
      case Csr.RAFT_QUORUM: this.quorum = v & 0xf; return W_QUORUM_INPUT;
      case Csr.RAFT_FAST_EN: this.fastEn = (v & 1) === 1; break;
      case Csr.RAFT_HB_INTERVAL: this.hbInterval = v; break;
      case Csr.RAFT_HB_COMMIT_DELAY: this.hbCommitDelay = v; break;
      case Csr.RAFT_PLANE_EN: this.planeEn = v & 7; break;
      case Csr.RAFT_NACK_INTERVAL: this.nackInterval = v; break;
      case Csr.RAFT_RTO: this.rto = v; break;
      case Csr.RAFT_NACK_DELAY: this.nackDelay = v; break;
      case Csr.RAFT_SILENCE_CYCLES: this.silenceCycles = v >>> 0; break;
      case Csr.RAFT_REPLY_MASK: this.replyMask = v & 0xff; break;
      case Csr.RAFT_CHAIN: this.succId = v & 0xff; this.chainTail = ((v >> 8) & 1) === 1; break;
      case Csr.RAFT_ACK_COUNT: this.ackCount = v; break;
      case Csr.RAFT_ACK_DELAY: this.ackDelay = v; break;
      case Csr.RAFT_ACK_GAP: this.ackGap = v >>> 0; break;
      case Csr.RAFT_TERM_START: this.termStart = v; break;
      case Csr.RAFT_LAST_INDEX: return W_LAST_INDEX;
      case Csr.RAFT_COMMIT_INDEX: return W_COMMIT_INDEX;
      case Csr.RAFT_APPLIED_INDEX: return W_APPLIED_INDEX;
      case Csr.RAFT_MATCH_SEL: this.matchSel = v & 7; break;
      case Csr.RAFT_MATCH_INDEX: return W_MATCH_INDEX;
      case Csr.COUNTERS_CTR_CLEAR: return (v & 1) !== 0 ? W_CTR_CLEAR : W_NONE;
      default: break;
    }
    return W_NONE;
  }
}
