// The replicated key-value store: a deterministic state machine over committed entries.
// It knows nothing of replication or faults (Verdi's lesson): it is fed committed entries in
// index order and answers with replies. Each entry is an APPEND frame whose header carries the
// client id and sequence number and whose payload is an encoded command. Client sessions make
// a retried request execute once: the store keeps, per client, the last sequence number
// executed and its reply, and answers a repeat with the saved reply.

import { decodeHeader, encodeFrame, framePayload, MsgType as W, clientMac, nodeMac } from '../wire/wire.gen.js';
import type { Entry, NodeId } from '../core/types.js';
import { Reader, Writer } from './codec.js';
import { WorSpace, isWorPayload, decodeWorCommand, encodeWorCommand, encodeWorResult, type WorCommand } from './wor/space.js';

export type { WorCommand } from './wor/space.js';

export const Op = { GET: 1, PUT: 2, DELETE: 3, APPEND: 4, CAS: 5 } as const;
/** A command of the replicated state machine: a KV command, or a WOR command (ctrl/app/wor/space.ts). */
export type Command = KvCommand | WorCommand;
export type KvCommand =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string; value: Uint8Array }
  | { op: 'delete'; key: string }
  | { op: 'append'; key: string; value: Uint8Array }
  | { op: 'cas'; key: string; expected: Uint8Array | null; value: Uint8Array };

export const Status = { OK: 0, NOT_FOUND: 1, CAS_FAILED: 2, NOT_LEADER: 3, STALE: 4 } as const;
export interface Reply {
  status: number;
  value?: Uint8Array;
  /** NOT_LEADER: the leader this replica believes in (0 = unknown) */
  leader?: NodeId;
}

/** Bytes of a request payload a put (or a cas, an append) needs besides its value: the op, the key's
 *  length (2 bytes) and key, the value's length (4 bytes): room for keys of up to 49 bytes (the load generator's and
 *  the benchmarks' keys are shorter). The largest value a NIC built for MAX_PAYLOAD bytes takes is
 *  MAX_PAYLOAD - PUT_OVERHEAD_BYTES. */
export const PUT_OVERHEAD_BYTES = 56;

export function encodeCommand(c: Command): Uint8Array {
  const w = new Writer();
  switch (c.op) {
    case 'wor.alloc': case 'wor.capture': case 'wor.write': case 'wor.read': case 'wor.append': case 'wor.tail': case 'wor.trim':
      return encodeWorCommand(c);
    case 'get': return w.u8(Op.GET).str(c.key).done();
    case 'put': return w.u8(Op.PUT).str(c.key).bytes(c.value).done();
    case 'delete': return w.u8(Op.DELETE).str(c.key).done();
    case 'append': return w.u8(Op.APPEND).str(c.key).bytes(c.value).done();
    case 'cas':
      w.u8(Op.CAS).str(c.key).u8(c.expected ? 1 : 0);
      if (c.expected) w.bytes(c.expected);
      return w.bytes(c.value).done();
  }
}

export function decodeCommand(b: Uint8Array): Command {
  if (isWorPayload(b)) return decodeWorCommand(b);
  return decodeKvCommand(b);
}

/** A KV command (throws on anything else, a WOR command included). */
export function decodeKvCommand(b: Uint8Array): KvCommand {
  const r = new Reader(b);
  const op = r.u8();
  const key = r.str();
  switch (op) {
    case Op.GET: return { op: 'get', key };
    case Op.PUT: return { op: 'put', key, value: r.bytes() };
    case Op.DELETE: return { op: 'delete', key };
    case Op.APPEND: return { op: 'append', key, value: r.bytes() };
    case Op.CAS: {
      const has = r.u8();
      const expected = has ? r.bytes() : null;
      return { op: 'cas', key, expected, value: r.bytes() };
    }
  }
  throw new Error(`unknown op ${op}`);
}

export function encodeReply(r: Reply): Uint8Array {
  const w = new Writer().u8(r.status).u8(r.value ? 1 : 0);
  if (r.value) w.bytes(r.value);
  return w.u8(r.leader ?? 0).done();
}

export function decodeReply(b: Uint8Array): Reply {
  if (b.length === 0) return { status: Status.OK }; // a NIC reply at commit carries no payload
  const r = new Reader(b);
  const status = r.u8();
  const value = r.u8() ? r.bytes() : undefined;
  const leader = r.end() ? 0 : r.u8();
  return { status, value, leader };
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface Applied {
  index: number;
  clientId: number;
  seq: number;
  reply: Reply;
  /** true when the reply came from the session table (a retry), not from executing again */
  duplicate: boolean;
}

export class KvStore {
  /** the WOR address space, applied from the same log (WOR commands are routed to it) */
  readonly wor = new WorSpace();
  private data = new Map<string, Uint8Array>();
  private sessions = new Map<number, { seq: number; reply: Reply }>();
  appliedIndex = 0;
  /** per key: the index of the last entry that wrote it (any command but get, executed or not);
   *  keys not in it were last written at or before writeFloor (the restored snapshot's index) */
  private writtenAt = new Map<string, number>();
  private writeFloor = 0;

  /** The index of the last entry that may have changed `key` (for reads that must not return what
   *  is not yet durable: they wait for this index, not for the whole read index). */
  lastWriteIndex(key: string): number {
    return this.writtenAt.get(key) ?? this.writeFloor;
  }

  /** Applies one committed entry (in index order). Control-plane entries (client 0) only move the index. */
  apply(e: Entry): Applied | undefined {
    if (e.index <= this.appliedIndex) return undefined;
    this.appliedIndex = e.index;
    const h = decodeHeader(e.frame);
    if (h.clientId === 0) return undefined;
    const s = this.sessions.get(h.clientId);
    if (s && h.seq <= s.seq) {
      const reply = h.seq === s.seq ? s.reply : { status: Status.STALE };
      return { index: e.index, clientId: h.clientId, seq: h.seq, reply, duplicate: true };
    }
    let reply: Reply;
    try {
      const p = framePayload(e.frame);
      if (isWorPayload(p)) {
        const x = this.wor.execute(decodeWorCommand(p));
        reply = { status: x.status, value: encodeWorResult(x) };
      } else {
        const c = decodeKvCommand(p);
        if (c.op !== 'get') this.writtenAt.set(c.key, e.index);
        reply = this.execute(c);
      }
    } catch {
      reply = { status: Status.NOT_FOUND }; // a malformed command executes as a no-op, deterministically
    }
    this.sessions.set(h.clientId, { seq: h.seq, reply });
    return { index: e.index, clientId: h.clientId, seq: h.seq, reply, duplicate: false };
  }

  /** Executes a command against the state (also used for local reads: `get` changes nothing). */
  execute(c: KvCommand): Reply {
    const cur = this.data.get(c.key);
    switch (c.op) {
      case 'get': return cur ? { status: Status.OK, value: cur } : { status: Status.NOT_FOUND };
      case 'put': this.data.set(c.key, c.value); return { status: Status.OK };
      case 'delete': return this.data.delete(c.key) ? { status: Status.OK } : { status: Status.NOT_FOUND };
      case 'append': {
        const v = new Uint8Array((cur?.length ?? 0) + c.value.length);
        if (cur) v.set(cur);
        v.set(c.value, cur?.length ?? 0);
        this.data.set(c.key, v);
        return { status: Status.OK, value: v };
      }
      case 'cas': {
        const match = c.expected === null ? cur === undefined : cur !== undefined && eq(cur, c.expected);
        if (!match) return { status: Status.CAS_FAILED, value: cur };
        this.data.set(c.key, c.value);
        return { status: Status.OK };
      }
    }
  }

  get(key: string): Uint8Array | undefined {
    return this.data.get(key);
  }

  /** Deterministic snapshot: applied index, data and sessions, keys sorted. */
  snapshot(): Uint8Array {
    const w = new Writer().u32(this.appliedIndex).u32(this.data.size);
    for (const k of [...this.data.keys()].sort()) w.str(k).bytes(this.data.get(k)!);
    w.u32(this.sessions.size);
    for (const id of [...this.sessions.keys()].sort((a, b) => a - b)) {
      const s = this.sessions.get(id)!;
      w.u32(id).u32(s.seq).bytes(encodeReply(s.reply));
    }
    // the WOR space only when something was allocated (a KV-only snapshot keeps its old bytes)
    if (!this.wor.empty()) this.wor.snapshot(w.u8(0x57));
    return w.done();
  }

  restore(b: Uint8Array): void {
    const r = new Reader(b);
    this.appliedIndex = r.u32();
    this.writtenAt = new Map();
    this.writeFloor = this.appliedIndex;
    this.data = new Map();
    for (let n = r.u32(); n > 0; n--) { const k = r.str(); this.data.set(k, r.bytes()); }
    this.sessions = new Map();
    for (let n = r.u32(); n > 0; n--) { const id = r.u32(); const seq = r.u32(); this.sessions.set(id, { seq, reply: decodeReply(r.bytes()) }); }
    this.wor.clear();
    if (!r.end()) {
      if (r.u8() !== 0x57) throw new Error('snapshot: unknown section after the sessions');
      this.wor.restore(r);
    }
  }
}

/** A REQ frame from a client to a node. */
export function requestFrame(clusterId: number, clientId: number, seq: number, to: NodeId, cmd: Command, flags = 0): Uint8Array {
  return encodeFrame({ dstMac: nodeMac(to), srcMac: clientMac(clientId), type: W.REQ, clusterId, flags, srcNode: 0xff, dstNode: to, term: 0, logIndex: 0, commitIndex: 0, clientId, seq }, encodeCommand(cmd));
}

/** A REPLY frame from a replica's host to a client. */
export function replyFrame(clusterId: number, from: NodeId, clientId: number, seq: number, index: number, term: number, reply: Reply): Uint8Array {
  return encodeFrame({ dstMac: clientMac(clientId), srcMac: nodeMac(from), type: W.REPLY, clusterId, flags: 0, srcNode: from, dstNode: 0xff, term, logIndex: index, commitIndex: 0, clientId, seq }, encodeReply(reply));
}
