// nicraft_rx_key (hw/rtl/nicraft_rx_key.sv): classification of a plane's head frame for the plane
// merge (combinational, one instance per plane).
//
// key: what makes two frames copies of one: REQ (type, src, client, seq); APPEND (type, src, term,
// index, round, retransmit flag); ACK, NACK, HEARTBEAT (type, src, term, seq). The model keeps the
// RTL's 88-bit key as three 32-bit words: A = {type, src, 0, round, retransmit}, B, C.
// key_valid: a nicraft frame of this cluster of one of those types. is_ack: a one-beat ACK the leader
// counts on the plane merge's parallel ACK path (this term, from a member, for an index it wrote).
import * as M_wire_gen from '../../wire/wire.gen.js';
// Imported bindings as module constants: under tsx and vitest every use of an imported binding can cost a
// getter call (ten times the cost of a header accessor itself).
const {
  ETHERTYPE, Flag, HDR_BYTES, MIN_FRAME_BYTES, MsgType, WIRE_VERSION, getClientId, getClusterId, getEthertype,
  getFlags, getLogIndex, getPayloadLen, getRsvd, getSeq, getSrcNode, getTerm, getType, getVersion
} = M_wire_gen;

const HDR: number = HDR_BYTES, MIN_FRAME: number = MIN_FRAME_BYTES, ETYPE: number = ETHERTYPE, WVER: number = WIRE_VERSION;
const T_REQ: number = MsgType.REQ, T_APPEND: number = MsgType.APPEND, T_ACK: number = MsgType.ACK;
const T_NACK: number = MsgType.NACK, T_HEARTBEAT: number = MsgType.HEARTBEAT;
const F_RETRANSMIT: number = Flag.RETRANSMIT;

/** The rx_key instances of every plane: inputs per call, outputs per plane. */
export class RxKeys {
  readonly keyValid: Uint8Array;
  readonly isAck: Uint8Array;
  /** is_req: a client's REQ (its copies count as DROP_REQ_DUP) */
  readonly isReq: Uint8Array;
  readonly kA: Uint32Array;
  readonly kB: Uint32Array;
  readonly kC: Uint32Array;

  constructor(planes: number, readonly maxNodes: number) {
    this.keyValid = new Uint8Array(planes);
    this.isAck = new Uint8Array(planes);
    this.isReq = new Uint8Array(planes);
    this.kA = new Uint32Array(planes);
    this.kB = new Uint32Array(planes);
    this.kC = new Uint32Array(planes);
  }

  /**
   * Plane p's head frame b (its first beat), len bytes, beats of it; the CSR inputs. Sets the plane's
   * key_valid, key and is_ack; returns key_valid.
   */
  eval(p: number, b: Uint8Array, len: number, beats: number, clusterId: number, leaderMode: boolean, term: number,
    nodeId: number, members: number, last: number): boolean {
    this.isAck[p] = 0;
    this.isReq[p] = 0;
    const basicOk = len >= HDR && getEthertype(b) === ETYPE && getVersion(b) === WVER && getClusterId(b) === clusterId;
    const ty = basicOk ? getType(b) : 0;
    const kv = basicOk && (ty === T_REQ || ty === T_APPEND || ty === T_ACK || ty === T_NACK || ty === T_HEARTBEAT);
    this.keyValid[p] = kv ? 1 : 0;
    if (!kv) return false;
    const src = getSrcNode(b);
    if (ty === T_REQ) {
      this.isReq[p] = 1;
      this.kA[p] = ((ty << 24) | (src << 16)) >>> 0; this.kB[p] = getClientId(b); this.kC[p] = getSeq(b);
    } else if (ty === T_APPEND) {
      this.kA[p] = ((ty << 24) | (src << 16) | ((getRsvd(b) & 0x7f) << 1) | ((getFlags(b) & F_RETRANSMIT) !== 0 ? 1 : 0)) >>> 0;
      this.kB[p] = getTerm(b); this.kC[p] = getLogIndex(b);
    } else {
      this.kA[p] = ((ty << 24) | (src << 16)) >>> 0; this.kB[p] = getTerm(b); this.kC[p] = getSeq(b);
    }
    if (ty === T_ACK && beats === 1 && len === MIN_FRAME && getPayloadLen(b) === 0 && leaderMode &&
        this.kB[p] === term && src < this.maxNodes && ((members >> src) & 1) === 1 && src !== nodeId && getLogIndex(b) <= last) {
      this.isAck[p] = 1;
    }
    return true;
  }
}
