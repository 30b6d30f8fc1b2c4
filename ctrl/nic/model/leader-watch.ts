// nicraft_leader_watch (hw/rtl/nicraft_leader_watch.sv): leader-silence detection in a follower NIC.
//
// While the fast path runs as a follower and SILENCE_CYCLES is not 0, cycles without a frame of the
// leader are counted (the execute engine's first-beat events ev_commit, ev_dup, ev_gap say a frame of
// the leader reached its decision); once the count reaches SILENCE_CYCLES, one LEADER_SILENT event
// (a header naming the leader, this node and the term then) waits for the host RX arbiter. One per
// silence: the leader's next frame, or leaving follower mode, arms it again.
import * as M_wire_gen from '../../wire/wire.gen.js';
import * as M_stats from './stats.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const {
  ETHERTYPE, HostReason, MIN_FRAME_BYTES, MsgType, WIRE_VERSION, nodeMac, setClusterId, setDstMac, setDstNode,
  setEthertype, setSrcMac, setSrcNode, setTerm, setType, setVersion,
} = M_wire_gen;
const { C_LEADER_SILENT } = M_stats;

const MIN_FRAME: number = MIN_FRAME_BYTES;
const MAX32 = 0xffffffff;
const T_HEARTBEAT: number = MsgType.HEARTBEAT;

/**
 * A NIC-made event for its own host (needs repair, leader silent): a minimum frame from node `src`
 * to this node, with the type, cluster and term set; the caller adds what else the event names.
 */
export function hostEventFrame(type: number, nodeId: number, src: number, clusterId: number, term: number): Uint8Array {
  const g = new Uint8Array(MIN_FRAME);
  setDstMac(g, nodeMac(nodeId));
  setSrcMac(g, nodeMac(src));
  setEthertype(g, ETHERTYPE); setVersion(g, WIRE_VERSION); setType(g, type);
  setClusterId(g, clusterId); setSrcNode(g, src); setDstNode(g, nodeId);
  setTerm(g, term);
  return g;
}
export const H_LEADER_SILENT: number = HostReason.LEADER_SILENT;

export class LeaderWatch {
  // ---- registers
  /** cycles since the leader's last frame (saturating) */
  idle = 0;
  /** the event of this silence was raised */
  fired = false;
  /** the event waits for the host RX arbiter */
  valid = false;
  /** the event's leader and term, as they were when it was raised */
  leader = 0;
  term = 0;

  reset(): void {
    this.idle = 0;
    this.fired = false;
    this.valid = false;
    this.leader = 0;
    this.term = 0;
  }

  /** The event's beat (built from the registers, as the RTL's combinational tdata). */
  frame(nodeId: number, clusterId: number): Uint8Array {
    return hostEventFrame(T_HEARTBEAT, nodeId, this.leader, clusterId, this.term);
  }

  /**
   * The clock edge. active: follower mode and SILENCE_CYCLES != 0; leaderFrame: ev_commit | ev_dup |
   * ev_gap this cycle; taken: the arbiter passed the event this cycle.
   */
  clock(active: boolean, silence: number, leaderFrame: boolean, taken: boolean, leaderId: number, term: number, ctr: Float64Array): void {
    if (this.valid && taken) this.valid = false;
    if (!active || leaderFrame) {
      this.idle = 0;
      this.fired = false;
      return;
    }
    const inc = this.idle === MAX32 ? MAX32 : this.idle + 1;
    if (!this.fired && inc >= silence) {
      this.fired = true;
      this.valid = true;
      this.leader = leaderId;
      this.term = term;
      ctr[C_LEADER_SILENT]!++;
    }
    this.idle = inc;
  }

  /** When idle: the cycle whose edge raises the event (Infinity: none coming). */
  nextEvent(c: number, active: boolean, silence: number): number {
    if (!active || this.fired) return Infinity;
    return c + Math.max(0, silence - 1 - this.idle);
  }

  /** k idle cycles at once (no frame of the leader, nothing taken). */
  skip(k: number, active: boolean): void {
    if (!active) return;
    this.idle = Math.min(MAX32, this.idle + k);
  }
}
