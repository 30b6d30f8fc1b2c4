// The plane sockets' kernel filter: a classic BPF program (SO_ATTACH_FILTER, Linux, no privilege
// needed) that does in the kernel what PlaneNet's filter does in the daemon, so that a datagram
// that is not a frame of this cluster, from a member's endpoint or a client, for this node never
// wakes the process: a flood costs the kernel's delivery work and a counter, not the daemon's
// event loop (Node pays about 5 us per datagram it receives, before any filter of ours runs).
//
// What passes (all integers big-endian, offsets of the UDP payload = the frame):
//   * length HDR_BYTES .. HDR_BYTES + maxPayload (HDR_BYTES 60), ethertype 0x88B5, version 1, this cluster id, type 1..7,
//     payload_len consistent with the length (the NIC's stateless checks);
//   * destination MAC: this node's or the group's;
//   * a node's source MAC: a member other than this node, its id also in src_node, sent from that
//     member's endpoint of this plane (IPv4 source address and UDP source port), and a replica
//     frame type (APPEND, ACK, NACK, HEARTBEAT, CONTROL);
//   * a client's source MAC: a REQ, src_node 0xFF, client_id equal to the MAC's low 24 bits (not 0);
//   * with bundles (bundleBytes): a datagram of several frames back to back passes when every one
//     of them does and they fill it exactly (planes.ts sends the frames of one turn to one address so).
// Everything else is dropped in the kernel and counted in the socket's drop counter
// (/proc/net/udp), except one in `sampleEvery` (chosen at random by the kernel), which goes on to
// PlaneNet's filter, so the reason counters hold a sample of what the kernel drops.
//
// The socket's file descriptor comes from Node's UDP handle (an internal field; if it is not there
// the kernel filter is skipped and the daemon filter alone does the work, as on other systems).
import type { Socket } from 'node:dgram';
import { ETHERTYPE, HDR_BYTES, MIN_FRAME_BYTES, MsgType as W, WIRE_VERSION } from '../wire/wire.gen.js';
import type { Endpoint } from './config.js';

/** One classic BPF instruction. */
export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export interface KernelFilterSpec {
  clusterId: number;
  selfId: number;
  maxPayload: number;
  /** member id -> its endpoint on this plane (the others; not this node) */
  members: Map<number, Endpoint>;
  /** one dropped datagram in this many (a power of two; 0: none) is passed to the daemon's filter as a sample */
  sampleEvery: number;
  /** also accept bundles of frames up to this many bytes (0 or absent: one frame per datagram) */
  bundleBytes?: number;
}

// opcodes (linux/filter.h)
const LD_W_ABS = 0x20, LD_H_ABS = 0x28, LD_B_ABS = 0x30, LD_W_LEN = 0x80, LD_IMM = 0x00;
const ALU_ADD_K = 0x04, ALU_SUB_K = 0x14, ALU_AND_K = 0x54;
const JEQ_K = 0x15, JGT_K = 0x25, JGE_K = 0x35, JSET_K = 0x45, JEQ_X = 0x1d;
const RET_K = 0x06, TAX = 0x07;
// indirect loads (A = P[X + k]), scratch memory, X arithmetic, the unconditional jump
const LD_W_IND = 0x40, LD_H_IND = 0x48, LD_B_IND = 0x50, LD_MEM = 0x60, LDX_MEM = 0x61, LDX_IMM = 0x01, ST = 0x02, STX = 0x03;
const ALU_ADD_X = 0x0c, ALU_SUB_X = 0x1c, JGT_X = 0x2d, JA = 0x05;
const SKF_NET_OFF = -0x100000;
const SKF_AD_RANDOM = 0xfffff000 + 56;
/** the UDP header precedes the payload in what a UDP socket's filter sees */
const P = 8;

type Target = string;
type Op = { code: number; k: number; jt?: Target; jf?: Target; ka?: Target; labels: string[] };

/** A tiny assembler: jumps name labels; resolved to forward offsets. */
class Asm {
  readonly ops: Op[] = [];
  private pending: string[] = [];
  label(name: string): void {
    this.pending.push(name);
  }
  emit(code: number, k = 0, jt?: Target, jf?: Target): void {
    this.ops.push({ code, k: k >>> 0, jt, jf, labels: this.pending });
    this.pending = [];
  }
  /** an unconditional jump (32-bit offset: any distance forward) */
  ja(target: Target): void {
    this.ops.push({ code: JA, k: 0, ka: target, labels: this.pending });
    this.pending = [];
  }
    /** if A (op) k: go on, else jump to `otherwise` */
  require(op: number, k: number, otherwise: Target): void {
    this.emit(op, k, undefined, otherwise);
  }
  assemble(): BpfInsn[] {
    const at = new Map<string, number>();
    this.ops.forEach((o, i) => { for (const l of o.labels) at.set(l, i); });
    return this.ops.map((o, i) => {
      const off = (t?: Target): number => {
        if (t === undefined) return 0;
        const j = at.get(t);
        if (j === undefined) throw new Error(`bpf: no label ${t}`);
        const d = j - i - 1;
        if (d < 0 || d > 255) throw new Error(`bpf: jump to ${t} out of range (${d})`);
        return d;
      };
      if (o.ka !== undefined) {
        const j = at.get(o.ka);
        if (j === undefined || j <= i) throw new Error(`bpf: no label ${o.ka} ahead`);
        return { code: o.code, jt: 0, jf: 0, k: j - i - 1 };
      }
      return { code: o.code, jt: off(o.jt), jf: off(o.jf), k: o.k };
    });
  }
}

function ipv4(host: string): number {
  const o = host.split('.').map(Number);
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

/**
 * The filter program of one plane socket. With `bundleBytes` > 0 a datagram may also be a bundle:
 * frames back to back (each max(MIN_FRAME_BYTES, HDR_BYTES + payload_len) bytes by its header), at most bundleBytes in
 * all; every frame must pass every check above (one block of the program per frame, unrolled: at
 * most bundleBytes / 60 frames), and the frames must fill the datagram exactly.
 */
export function buildKernelFilter(s: KernelFilterSpec): BpfInsn[] {
  if (s.sampleEvery !== 0 && (s.sampleEvery & (s.sampleEvery - 1)) !== 0) throw new RangeError('sampleEvery must be 0 or a power of two');
  const bundle = s.bundleBytes ?? 0;
  const maxLen = Math.max(HDR_BYTES + s.maxPayload, bundle);
  const blocks = bundle > 0 ? Math.max(1, Math.floor(bundle / MIN_FRAME_BYTES)) : 1;
  const a = new Asm();
  const J = 'junk';
  // the whole datagram: at least a header, at most the largest frame or bundle
  a.emit(LD_W_LEN);
  a.require(JGE_K, P + HDR_BYTES, 'j.top');
  a.emit(JGT_K, P + maxLen, 'j.top', undefined);
  a.emit(LDX_IMM, 0);
  a.emit(STX, 0); // M[0]: the offset of the frame being checked
  a.ja('frame.0');
  a.label('j.top');
  a.ja(J);
  const ids = [...s.members.keys()].filter((id) => id !== s.selfId).sort((x, y) => x - y);
  for (let b = 0; b < blocks; b++) {
    const L = (n: string): string => `${n}.${b}`;
    const Jb = L('j');
    const last = b === blocks - 1;
    a.label(L('frame'));
    a.emit(LDX_MEM, 0);
    // room for a header after the offset
    a.emit(LD_W_LEN);
    a.emit(ALU_SUB_K, P);
    a.emit(ALU_SUB_X);
    a.require(JGE_K, HDR_BYTES, Jb);
    // ethertype, version, cluster, type
    a.emit(LD_H_IND, P + 12);
    a.require(JEQ_K, ETHERTYPE, Jb);
    a.emit(LD_B_IND, P + 14);
    a.require(JEQ_K, WIRE_VERSION, Jb);
    a.emit(LD_H_IND, P + 16);
    a.require(JEQ_K, s.clusterId, Jb);
    a.emit(LD_B_IND, P + 15);
    a.require(JGE_K, W.REQ, Jb);
    a.emit(JGT_K, W.CONTROL, Jb, undefined);
    // payload_len: the frame is max(MIN_FRAME_BYTES, HDR_BYTES + payload_len) bytes; M[1]: where the next frame starts
    a.emit(LD_H_IND, P + 42);
    a.emit(JGT_K, s.maxPayload, Jb, undefined);
    a.emit(ALU_ADD_K, HDR_BYTES);
    a.emit(JGE_K, MIN_FRAME_BYTES, L('want'), undefined);
    a.emit(LD_IMM, MIN_FRAME_BYTES);
    a.label(L('want'));
    a.emit(ALU_ADD_X);
    a.emit(ST, 1);
    a.emit(LD_W_LEN);
    a.emit(ALU_SUB_K, P);
    a.emit(TAX);
    a.emit(LD_MEM, 1);
    // a single frame must fill the datagram; a bundle's frame must fit in it
    if (bundle > 0) a.emit(JGT_X, 0, Jb, undefined);
    else a.require(JEQ_X, 0, Jb);
    a.emit(LDX_MEM, 0);
    // destination: this node or the group
    a.emit(LD_W_IND, P + 0);
    a.emit(JEQ_K, 0x024e5200, L('dstNode'), undefined);
    a.require(JEQ_K, 0x014e5200, Jb);
    a.emit(LD_H_IND, P + 4);
    a.emit(JEQ_K, 0x00ff, L('src'), Jb);
    a.label(L('dstNode'));
    a.emit(LD_H_IND, P + 4);
    a.require(JEQ_K, s.selfId, Jb);
    // source: a member (from its endpoint) or a client (a request)
    a.label(L('src'));
    a.emit(LD_W_IND, P + 6);
    a.emit(JEQ_K, 0x024e5200, L('node'), undefined);
    a.emit(ALU_AND_K, 0xffffff00);
    a.emit(JEQ_K, 0x024e4300, L('client'), Jb);
    a.label(L('node'));
    a.emit(LD_H_IND, P + 10);
    for (const id of ids) a.emit(JEQ_K, id, L(`m${id}`), undefined);
    a.emit(JEQ_K, 0, Jb, Jb); // not a member: junk
    for (const id of ids) {
      const e = s.members.get(id)!;
      a.label(L(`m${id}`));
      a.emit(LD_B_IND, P + 19);
      a.require(JEQ_K, id, Jb);
      a.emit(LD_W_ABS, (SKF_NET_OFF + 12) >>> 0);
      a.require(JEQ_K, ipv4(e.host), Jb);
      a.emit(LD_H_ABS, 0);
      a.require(JEQ_K, e.port, Jb);
      a.emit(JEQ_K, 0xffffffff, L('replicaType'), L('replicaType'));
    }
    a.label(L('replicaType'));
    a.emit(LD_B_IND, P + 15);
    a.emit(JEQ_K, W.CONTROL, L('ok'), undefined);
    a.emit(JEQ_K, W.APPEND, L('ok'), undefined);
    a.emit(JEQ_K, W.ACK, L('ok'), undefined);
    a.emit(JEQ_K, W.NACK, L('ok'), undefined);
    a.emit(JEQ_K, W.HEARTBEAT, L('ok'), Jb);
    a.label(L('client'));
    a.emit(LD_B_IND, P + 15);
    a.require(JEQ_K, W.REQ, Jb);
    a.emit(LD_B_IND, P + 19);
    a.require(JEQ_K, 0xff, Jb);
    a.emit(LD_W_IND, P + 8);
    a.emit(ALU_AND_K, 0x00ffffff);
    a.emit(JEQ_K, 0, Jb, undefined);
    a.emit(ST, 2);
    a.emit(LD_W_IND, P + 34);
    a.emit(LDX_MEM, 2);
    a.emit(JEQ_X, 0, L('ok'), Jb);
    // this frame passed: the datagram ends here (accept), or the next frame starts here
    a.label(L('ok'));
    a.emit(LD_MEM, 1);
    a.emit(ST, 0);
    a.emit(LD_W_LEN);
    a.emit(ALU_SUB_K, P);
    a.emit(TAX);
    a.emit(LD_MEM, 0);
    a.emit(JEQ_X, 0, L('acc'), last ? Jb : `frame.${b + 1}`);
    a.label(L('acc'));
    a.ja('accept');
    a.label(Jb);
    a.ja(J);
  }
  a.label('accept');
  a.emit(RET_K, 0xffffffff);
  // junk: dropped, but one in sampleEvery goes on to the daemon's filter (which counts its reason)
  a.label(J);
  if (s.sampleEvery > 0) {
    a.emit(LD_W_ABS, SKF_AD_RANDOM);
    a.emit(JSET_K, s.sampleEvery - 1, 'drop', undefined);
    a.emit(RET_K, 0xffffffff);
  }
  a.label('drop');
  a.emit(RET_K, 0);
  const prog = a.assemble();
  if (prog.length > 4096) throw new RangeError(`kernel filter: ${prog.length} instructions (the kernel takes at most 4096): bundleBytes too large`);
  return prog;
}

/** The file descriptor behind a bound dgram socket (Node's internal handle), or undefined. */
function socketFd(sock: Socket): number | undefined {
  const o = sock as unknown as Record<symbol, { handle?: { fd?: number } } | undefined>;
  for (const sym of Object.getOwnPropertySymbols(o)) {
    if (String(sym) !== 'Symbol(state symbol)') continue;
    const fd = o[sym]?.handle?.fd;
    if (typeof fd === 'number' && fd >= 0) return fd;
  }
  return undefined;
}

type Setsockopt = (fd: number, level: number, name: number, val: { len: number; filter: BpfInsn[] }, len: number) => number;
let setsockopt: Setsockopt | null | undefined;

async function libc(): Promise<Setsockopt | null> {
  if (setsockopt !== undefined) return setsockopt;
  setsockopt = null;
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) return null;
  try {
    const { declareApi, declareStruct, pointerTo } = await import('../../native/ffi.js');
    const insn = declareStruct('nicraft_sock_filter', { code: 'uint16', jt: 'uint8', jf: 'uint8', k: 'uint32' });
    declareStruct('nicraft_sock_fprog', { len: 'uint16', filter: pointerTo(insn) });
    const api = declareApi('libc.so.6', 'sockfilter', { setsockopt: 'int setsockopt(int fd, int level, int name, const nicraft_sock_fprog *val, uint32_t len)' });
    setsockopt = api.setsockopt as unknown as Setsockopt;
  } catch {
    setsockopt = null;
  }
  return setsockopt;
}

/** Attaches the filter to a bound plane socket; returns why not when it could not. */
export async function attachKernelFilter(sock: Socket, prog: BpfInsn[]): Promise<{ ok: true } | { ok: false; why: string }> {
  const set = await libc();
  if (!set) return { ok: false, why: 'no libc setsockopt here (Linux x64/arm64 only)' };
  const fd = socketFd(sock);
  if (fd === undefined) return { ok: false, why: 'the socket\'s file descriptor is not reachable in this Node version' };
  const SOL_SOCKET = 1, SO_ATTACH_FILTER = 26, FPROG_BYTES = 16;
  const r = set(fd, SOL_SOCKET, SO_ATTACH_FILTER, { len: prog.length, filter: prog }, FPROG_BYTES);
  if (r !== 0) return { ok: false, why: `setsockopt(SO_ATTACH_FILTER) failed` };
  return { ok: true };
}
