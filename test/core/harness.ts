// An in-test network of control cores, each with a minimal fake NIC, for the data-driven
// interaction tests and the randomized safety test. The fake NIC records CSR writes and log
// port operations and runs a tiny fast path (sequence REQs, accept in-order APPENDs of its term
// from its leader, cumulative ACKs, quorum commit at the leader, deliver committed entries), so
// that the hybrid paths are exercised; it is not the ModelNic.

import { Core } from '../../ctrl/core/raft.js';
import { MemStorage, CrashError } from '../../ctrl/core/memstore.js';
import { describeEntry } from '../../ctrl/core/entry.js';
import { committedIndex } from '../../ctrl/core/quorum.js';
import type { Config, CsrName, Entry, Event, Message, NicEvent, NodeId, Ready, Rand } from '../../ctrl/core/types.js';
import { MSG_NAMES } from '../../ctrl/core/types.js';
import { clientMac, decodeHeader, encodeFrame, HostReason, MAC_GROUP, MsgType as W, nodeMac } from '../../ctrl/wire/wire.gen.js';

import { SeededRand } from '../../ctrl/rand.js';
export { SeededRand };

const REASON_NAMES: Record<number, string> = Object.fromEntries(Object.entries(HostReason).map(([k, v]) => [v, k]));
const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(W).map(([k, v]) => [v, k]));

// The fake NIC lives in verify/mc (the model checker runs it too): one copy for both.
import { FakeNic } from '../../verify/mc/fakenic.js';
export { FakeNic };

export type Packet = { from: NodeId; to: NodeId; msg?: Message; frame?: Uint8Array };

export interface NodeBox {
  id: NodeId;
  core?: Core;
  nic: FakeNic;
  storage: MemStorage;
  up: boolean;
  applied: Entry[];
  /** index -> term of every entry this node ever applied (state machine safety) */
  appliedAt: Map<number, number>;
}

export interface HarnessOptions {
  electionTimeoutNs?: number;
  heartbeatIntervalNs?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  seed?: number;
  amnesiaGuard?: boolean;
  quiet?: boolean;
  /** more core configuration (bounds) for every node */
  core?: Partial<Config>;
}

export class Harness {
  nodes = new Map<NodeId, NodeBox>();
  now = 0;
  net: Packet[] = [];
  cut = new Set<string>(); // "a-b" pairs that cannot talk
  out: string[] = [];
  rand: SeededRand;
  clientSeq = 0;
  /** network fault injection: returns the packets to deliver this round (drop, duplicate, reorder, hold back) */
  fault?: (pkts: Packet[]) => Packet[];
  leadersByTerm = new Map<number, NodeId>();
  /** per-node persist hook for crash injection; returns false to stop processing (crashed) */
  constructor(public opts: HarnessOptions = {}) {
    this.rand = new SeededRand(opts.seed ?? 1);
  }
  p(s: string): void { if (!this.opts.quiet) this.out.push(s); }

  config(id: NodeId, voters: NodeId[]): Config {
    return {
      id, clusterId: 1, voters, electionTimeoutNs: this.opts.electionTimeoutNs ?? 1000, heartbeatIntervalNs: this.opts.heartbeatIntervalNs ?? 100,
      rand: { int: (n) => this.rand.int(n) }, preVote: this.opts.preVote ?? true, checkQuorum: this.opts.checkQuorum ?? true,
      amnesiaGuard: this.opts.amnesiaGuard ?? true, ...this.opts.core,
    };
  }

  bootstrap: NodeId[] = [];

  /** Adds n nodes; the first call fixes the bootstrap voters, later ones add non-voters (to add by conf change). */
  addNodes(n: number): void {
    const start = this.nodes.size + 1;
    if (this.bootstrap.length === 0) this.bootstrap = Array.from({ length: n }, (_, k) => start + k);
    const vs = this.bootstrap;
    for (let k = 0; k < n; k++) {
      const id = start + k;
      const box: NodeBox = { id, nic: new FakeNic(id, 1), storage: new MemStorage(), up: true, applied: [], appliedAt: new Map() };
      box.core = new Core(this.config(id, vs));
      this.nodes.set(id, box);
    }
  }

  node(id: NodeId): NodeBox {
    const b = this.nodes.get(id);
    if (!b) throw new Error(`no node ${id}`);
    return b;
  }

  step(id: NodeId, ev: Event): void {
    const b = this.node(id);
    if (!b.up || !b.core) return;
    b.core.step(ev);
  }

  crash(id: NodeId): void {
    const b = this.node(id);
    b.up = false;
    b.core = undefined;
    b.nic.reset();
    this.net = this.net.filter((p) => p.to !== id && p.from !== id);
  }

  restart(id: NodeId): void {
    const b = this.node(id);
    const st = b.storage.load();
    const rr = b.storage.lastReplay!;
    this.p(`${id}: restart: replayed ${rr.records} records, tail ${rr.tail}; term=${st.hardState.term} vote=${st.hardState.vote} commit=${st.hardState.commit} entries=${st.entries.length ? `${st.entries[0]!.index}..${st.entries[st.entries.length - 1]!.index}` : 'none'}${st.snapshot ? ` snapshot=${st.snapshot.index}` : ''}`);
    b.nic.reset();
    b.applied = [];
    b.up = true;
    b.core = new Core(this.config(id, this.bootstrap), st);
  }

  connected(a: NodeId, b: NodeId): boolean {
    return !this.cut.has(`${a}-${b}`);
  }

  partition(groups: NodeId[][]): void {
    this.cut.clear();
    for (const g of groups) for (const h of groups) if (g !== h) for (const a of g) for (const b of h) this.cut.add(`${a}-${b}`);
  }

  /** Handles one Ready of one node; returns true if there was one. */
  handleReady(id: NodeId): boolean {
    const b = this.node(id);
    if (!b.up || !b.core || !b.core.hasReady()) return false;
    const rd = b.core.ready();
    // 1. persist
    if (rd.hardState || rd.entries.length || rd.snapshot || rd.truncateAfter !== undefined) {
      const parts: string[] = [];
      if (rd.snapshot) parts.push(`snapshot ${rd.snapshot.index}/t${rd.snapshot.term}`);
      if (rd.truncateAfter !== undefined) parts.push(`truncate >${rd.truncateAfter}`);
      if (rd.entries.length) parts.push(`entries [${rd.entries.map(describeEntry).join(', ')}]`);
      if (rd.hardState) parts.push(`hs term=${rd.hardState.term} vote=${rd.hardState.vote} commit=${rd.hardState.commit}`);
      this.p(`${id}: persist ${parts.join('; ')}`);
      try {
        b.storage.save({ hardState: rd.hardState, entries: rd.entries, truncateAfter: rd.truncateAfter, snapshot: rd.snapshot });
      } catch (e) {
        if (e instanceof CrashError) {
          this.p(`${id}: CRASH (${e.message})`);
          this.crash(id);
          return true;
        }
        throw e;
      }
    }
    // 2. NIC operations
    if (rd.nic.length) {
      this.p(`${id}: nic ${rd.nic.map((o) => o.op === 'csrWrite' ? `${o.reg}=${o.value}` : o.op === 'csrRead' ? `rd(${o.reg})` : o.op === 'logWrite' ? `logw(${o.index})` : `logr(${o.index})`).join(' ')}`);
      for (const o of rd.nic) b.nic.exec(o);
    }
    // 3. frames and messages
    for (const f of rd.frames) {
      const h = decodeHeader(f.frame);
      this.p(`${id}: frame ->${f.to} ${TYPE_NAMES[h.type]} ${h.logIndex}/t${h.term}`);
      this.sendFrame(id, f.to, f.frame);
    }
    for (const m of rd.messages) {
      this.p(`${id}: send ${fmtMsg(m)}`);
      this.net.push({ from: id, to: m.to, msg: m });
    }
    // 4. apply
    if (rd.snapshotToApply) this.p(`${id}: restore snapshot ${rd.snapshotToApply.index}/t${rd.snapshotToApply.term}`);
    if (rd.committed.length) {
      this.p(`${id}: apply [${rd.committed.map(describeEntry).join(', ')}]`);
      for (const e of rd.committed) {
        b.applied.push(e);
        const prev = b.appliedAt.get(e.index);
        if (prev !== undefined && prev !== e.term) throw new Error(`node ${id} applied ${e.index}/t${e.term} after ${e.index}/t${prev}`);
        b.appliedAt.set(e.index, e.term);
      }
    }
    for (const r of rd.readStates) this.p(`${id}: read ctx=${r.ctx} index=${r.index} via=${r.via}`);
    // 5. durable
    if (rd.persistUpTo) b.core.step({ kind: 'persisted', ...rd.persistUpTo });
    return true;
  }

  sendFrame(from: NodeId, to: NodeId | 'group', frame: Uint8Array): void {
    if (to === 'group') {
      for (const k of this.nodes.keys()) if (k !== from) this.net.push({ from, to: k, frame });
    } else this.net.push({ from, to, frame });
  }

  /** Moves NIC outputs to the network and NIC host events into the cores. */
  pumpNics(): boolean {
    let any = false;
    for (const b of this.nodes.values()) if (this.pumpNic(b)) any = true;
    return any;
  }

  /** Moves the NIC's frames to the network and steps its RX queue (and, unless held, its read answers) into the core. */
  pumpNic(b: NodeBox, answers = true): boolean {
    let any = false;
    {
      if (!b.up) return false;
      for (const o of b.nic.out) { this.sendFrame(b.id, o.to, o.frame); any = true; }
      b.nic.out = [];
      // the answers to the host's reads (a driver steps them right after the Ready), then the RX queue
      const evs = answers ? [...b.nic.answers, ...b.nic.host] : b.nic.host;
      if (answers) b.nic.answers = [];
      b.nic.host = [];
      for (const ev of evs) {
        any = true;
        if (ev.type === 'punt') {
          const h = decodeHeader(ev.frame);
          this.p(`${b.id}: punt ${REASON_NAMES[ev.reason]} ${TYPE_NAMES[h.type]} ${h.logIndex}/t${h.term} from ${h.srcNode}`);
        }
        this.step(b.id, { kind: 'nic', ev });
      }
    }
    return any;
  }

  deliver(p: Packet, answers = true): void {
    const b = this.nodes.get(p.to);
    if (!b || !b.up || !this.connected(p.from, p.to)) return;
    if (p.msg) this.step(p.to, { kind: 'message', msg: p.msg });
    else if (p.frame) {
      b.nic.rx(p.frame);
      this.pumpNic(b, answers); // punts reach the host in arrival order, interleaved with control messages
    }
  }

  /** Steps the node's queued NIC read answers (CSR and log port) into its core, in order; returns them. */
  nicAnswers(id: NodeId): NicEvent[] {
    const b = this.node(id);
    const evs = b.nic.answers;
    b.nic.answers = [];
    for (const ev of evs) this.step(id, { kind: 'nic', ev });
    return evs;
  }

  stabilize(maxRounds = 10000): void {
    for (let r = 0; r < maxRounds; r++) {
      let any = false;
      for (const id of [...this.nodes.keys()].sort((a, b) => a - b)) while (this.handleReady(id)) any = true;
      if (this.pumpNics()) any = true;
      const pkts = this.fault ? this.fault(this.net) : this.net;
      this.net = [];
      for (const p of pkts) { this.deliver(p); any = true; }
      this.checkLeaders();
      if (!any) return;
    }
    throw new Error('stabilize did not converge');
  }

  /** Advances time by ns in steps, with NIC heartbeats, progress reports and a stabilize per step. */
  tick(ns: number, stepNs?: number): void {
    const st = stepNs ?? ns;
    for (let t = 0; t < ns; t += st) {
      this.now += Math.min(st, ns - t);
      for (const b of this.nodes.values()) {
        if (!b.up) continue;
        b.nic.heartbeat();
        this.step(b.id, { kind: 'nic', ev: { type: 'progress', lastIndex: b.nic.r('LAST_INDEX'), commitIndex: b.nic.r('COMMIT_INDEX'), activity: b.nic.activity } });
        this.step(b.id, { kind: 'tick', nowNs: this.now });
      }
      this.stabilize();
    }
  }

  /** A client REQ into node id's NIC. */
  clientRequest(id: NodeId, clientId: number, seq: number, payload: Uint8Array): void {
    const f = encodeFrame({ dstMac: nodeMac(id), srcMac: clientMac(clientId), type: W.REQ, clusterId: 1, flags: 0, srcNode: 0xff, dstNode: id, term: 0, logIndex: 0, commitIndex: 0, clientId, seq }, payload);
    const b = this.node(id);
    if (b.up) b.nic.rx(f);
  }

  checkLeaders(): void {
    for (const b of this.nodes.values()) {
      const c = b.core;
      if (!b.up || !c || c.role !== 'leader') continue;
      const prev = this.leadersByTerm.get(c.term);
      if (prev !== undefined && prev !== b.id) throw new Error(`election safety: ${prev} and ${b.id} both lead term ${c.term}`);
      this.leadersByTerm.set(c.term, b.id);
    }
  }

  /** Log matching over host logs and state machine safety over applied entries. */
  checkSafety(): void {
    const boxes = [...this.nodes.values()].filter((b) => b.core);
    for (const a of boxes) for (const b of boxes) {
      if (a.id >= b.id) continue;
      const la = a.core!.log;
      const lb = b.core!.log;
      const hi = Math.min(la.lastIndex(), lb.lastIndex());
      let matchAt = 0;
      for (let i = hi; i >= Math.max(la.firstIndex(), lb.firstIndex()); i--) if (la.term(i) === lb.term(i)) { matchAt = i; break; }
      for (let i = Math.max(la.firstIndex(), lb.firstIndex()); i <= matchAt; i++) {
        if (la.term(i) !== lb.term(i)) throw new Error(`log matching: ${a.id} and ${b.id} agree at ${matchAt} but differ at ${i}`);
      }
    }
    const all = [...this.nodes.values()];
    for (const a of all) for (const b of all) {
      for (const [i, t] of a.appliedAt) {
        const u = b.appliedAt.get(i);
        if (u !== undefined && u !== t) throw new Error(`state machine safety: ${a.id} applied ${i}/t${t}, ${b.id} applied ${i}/t${u}`);
      }
    }
  }

  statusLines(): string[] {
    return [...this.nodes.values()].map((b) => {
      if (!b.up || !b.core) return `${b.id}: down`;
      const s = b.core.status();
      return `${b.id}: ${s.role} term=${s.term} vote=${s.vote} lead=${s.lead} last=${s.lastIndex}/t${s.lastTerm} commit=${s.commit} applied=${s.applied} voters=${s.voters.join(',')} fast=${s.fastPath ? 1 : 0}${s.recovering ? ' recovering' : ''} | nic role=${b.nic.r('ROLE')} term=${b.nic.r('TERM')} leader=${b.nic.r('LEADER_ID')} last=${b.nic.r('LAST_INDEX')} commit=${b.nic.r('COMMIT_INDEX')} fast=${b.nic.r('FAST_EN')}`;
    });
  }
}

/** One packet in flight, as the interaction tests print it. */
export function fmtPacket(p: Packet): string {
  if (p.msg) return fmtMsg(p.msg);
  const h = decodeHeader(p.frame!);
  return `${p.from}->${p.to} frame ${TYPE_NAMES[h.type]} ${h.logIndex}/t${h.term}${(h.flags & 2) !== 0 ? ' retransmit' : ''}`;
}

/** A NIC read answer, as the interaction tests print it. */
export function fmtAnswer(ev: NicEvent): string {
  if (ev.type === 'csr') return `${ev.reg}=${ev.value}`;
  if (ev.type === 'log') return ev.frame ? `log(${ev.index})=${decodeHeader(ev.frame).logIndex}/t${decodeHeader(ev.frame).term}` : `log(${ev.index})=none`;
  return ev.type;
}

export function fmtMsg(m: Message): string {
  const name = MSG_NAMES[m.type];
  let s = `${m.from}->${m.to} ${name} t${m.term}`;
  switch (m.type) {
    case 1: case 3: s += ` last=${m.index}/t${m.logTerm}`; break;
    case 5: s += ` prev=${m.index}/t${m.logTerm} commit=${m.commit} ents=[${m.entryTerms.map((t, k) => `${m.index + 1 + k}/t${t}`).join(',')}]`; break;
    case 6: s += m.reject ? ` reject idx=${m.index} hint=${m.hint}` : ` idx=${m.index}`; break;
    case 7: s += ` commit=${m.commit} last=${m.index} r=${m.context}`; break;
    case 8: s += ` r=${m.context} last=${m.hint}${m.reject ? ' unreconciled' : ''}`; break;
    case 9: s += ` snap=${m.snap!.index}/t${m.snap!.term} ${m.snap!.offset}+${m.snap!.data.length}/${m.snap!.total}`; break;
  }
  if (m.type === 2 || m.type === 4) s += m.reject ? ' reject' : ' grant';
  if (m.recovering) s += ' recovering';
  if (m.context === 1 && (m.type === 1 || m.type === 3)) s += ' transfer';
  return s;
}

export { committedIndex };
