// A deterministic world of ModelNic replicas (ctrl/nic/model.ts) in TypeScript: N NICs with P
// planes, one switch per plane timed as in docs/network-model.md, the real control plane
// (ctrl/driver/replica.ts: core + storage + codec + KV store) as each node's host software,
// TypeScript KV clients (ctrl/app/client.ts) at client ports, and faults as data (the same
// `FaultSpec` as the RTL fabric, sim/cluster.ts), all driven by one seed. It is the fast world of
// the fault campaigns (`nicraft fuzz`, docs/fuzz.md); the RTL co-simulation (sim/raft-host.ts)
// runs the same control plane on Verilated NICs inside the C++ fabric.
//
//   const w = new ModelWorld({ replicas: 3, planes: 2, seed: 7, clients: 4 });
//   w.run(w.us(500));
//   w.addFault({ kind: 'partition', at: w.cycle, until: w.cycle + w.us(300), groups: [[0], [1, 2]] });
//
// Time is the NIC clock in cycles (250 MHz by default). The model, in short (docs/fuzz.md):
//   * network: a frame a NIC sent in cycle c is ready for its uplink at the end of c; uplink and
//     switch egress ports serialize frames at the link rate; a hop costs MAC/PHY + cable + switch
//     + cable + MAC/PHY as in the fabric (no buffer limit: loads here are light). Group frames
//     (MAC_GROUP) go to every other replica, node MACs to one node, client MACs to one client.
//     Link faults act where the fabric's do: on each copy a switch forwards (partition, drop,
//     duplicate, delay + jitter, corrupt = a bad FCS the NIC drops), with the fault RNG drawn in a
//     fixed order. A plane that is down drops every frame on it.
//   * conservative lockstep: every NIC is stepped in chunks no longer than the least hop, so a
//     frame is always queued on its destination's RX port before the cycle it arrives in.
//   * host: posted NIC operations (CSR and log writes, host TX frames) reach the NIC
//     `hostLatencyCycles` after they were issued; host RX frames are handed to the Replica at the
//     first host poll at least that long after the NIC put them out; a read waits for the host's
//     posted operations, then reads (the NIC runs ahead of the others by the read's few cycles;
//     the rest of the world catches up right after). Each host ticks its Replica every `tickNs`
//     of its own clock, which runs at `clockRates[i]` x real time (drift).
//   * crash: the host process stops (Replica closed), the NIC loses its state (a new ModelNic:
//     power loss, or reset(): registers and queues, log RAM kept), frames to it are dropped; the
//     storage (MemStorage) keeps what was durable. A storage crash point (MemStorage.armCrash)
//     makes a save throw: the node crashes there. Restart: a new Replica from the storage.

import { ClientFrameKeys, rollEverywhere, type FrameAuthConfig, type SlotSecrets } from '../ctrl/nic/auth-keys.js';
import { ModelNic, type NicParams } from '../ctrl/nic/model.js';
import type { HostFrame, RxFrame } from '../ctrl/nic/nic.js';
import { Csr, MAC_CLIENT_PREFIX, MAC_GROUP, MAC_NODE_PREFIX, MIN_FRAME_BYTES, MsgType } from '../ctrl/wire/wire.gen.js';
import { Replica, type NicTuning } from '../ctrl/driver/replica.js';
import { MemStorage, CrashError } from '../ctrl/core/memstore.js';
import type { Entry, NodeId } from '../ctrl/core/types.js';
import { SeededRand } from '../ctrl/rand.js';
import { DEFAULT_NETWORK, hopPs, periodPs, wirePs, type FaultSpec, type NetworkModel } from './cluster.js';
import {
  PostedModelNic, applyDuePosts, applyLinkFaults, insertSorted, insertTimer, macOf, newLinkTally, tallyLinkOutcome, type LinkTally, type Pending, type Timer,
} from './model-common.js';

export interface ModelRaftOptions {
  electionTimeoutNs: number;
  heartbeatIntervalNs: number;
  /** the host driver's tick (progress read + core timers), in the host's own clock */
  tickNs: number;
  preVote: boolean;
  leaseReads: boolean;
  /** the lease's clock rate bound (Config.maxClockDrift); host clock rates should stay within 1 ± it */
  maxClockDrift: number;
  durableReplies: boolean;
  tuning: Partial<NicTuning>;
  key: Uint8Array;
  /** follower reads under leases (core config followerReads; followers answer client gets: Replica serveReads) */
  followerReads?: boolean;
  /** follower replies (core config followerReplies: the cores write REPLY_MASK) */
  followerReplies?: boolean;
}

export const DEFAULT_MODEL_RAFT: ModelRaftOptions = {
  electionTimeoutNs: 100_000,
  heartbeatIntervalNs: 20_000,
  tickNs: 5_000,
  preVote: true,
  leaseReads: true,
  maxClockDrift: 1e-4,
  durableReplies: false,
  tuning: {},
  key: new TextEncoder().encode('nicraft-sim-cluster-key'),
};

export interface ModelWorldConfig {
  replicas: number;
  planes: number;
  seed: number;
  /** bootstrap voters: nodes 1..voters (default all); the others start as non-members */
  voters?: number;
  /**
   * frame authentication (issue 16; docs/auth.md): every NIC authenticates every frame with keys derived
   * from this world's frame secret; the clients' REQs are signed (clientSend) with the client key
   */
  frameAuth?: boolean;
  /** client endpoints driven from TypeScript (client id k+1 at endpoint replicas+k) */
  clients?: number;
  network?: Partial<NetworkModel>;
  /** PCIe + software latency between a NIC and its host, cycles (default 250 = 1 us) */
  hostLatencyCycles?: number;
  /** host poll period, cycles (default 250) */
  hostPollCycles?: number;
  raft?: Partial<ModelRaftOptions>;
  /** host clock rate per node (1 = real time; default all 1) */
  clockRates?: number[];
  nicParams?: Partial<NicParams>;
  /**
   * The driver guard the daemon had before RTL 878c697 (its GuardedNic, since removed): before writing
   * APPLIED_INDEX or COMMIT_INDEX, wait until the NIC delivered what it committed. It worked around
   * an RTL erratum fixed in 878c697 (a half-delivered multi-beat entry wedged the host RX queue);
   * default off, as the co-simulation's driver (sim/raft-host.ts) runs.
   */
  nicGuard?: boolean;
}

export type CrashHow = 'power' | 'reset';

/** The `Nic` a world replica's host drives (sim/model-common.ts PostedModelNic), with the optional driver guard. */
export class WorldModelNic extends PostedModelNic {
  readonly planes: number;
  protected readonly what = 'WorldModelNic';
  constructor(private readonly world: ModelWorld, readonly node: number, public inner: ModelNic) {
    super();
    this.planes = inner.planes;
  }
  get cycle(): number { return this.world.cycle; }
  protected post(fn: () => void): void { this.world.post(this, fn); }
  protected waitPosted(): void { this.world.waitPosted(this); }
  protected catchUp(): void { this.world.catchUp(); }
  override writeCsr(addr: number, value: number): void {
    if (this.world.nicGuard && (addr === Csr.RAFT_APPLIED_INDEX || addr === Csr.RAFT_COMMIT_INDEX)) this.finishDelivery();
    super.writeCsr(addr, value);
  }
  /**
   * The driver guard the daemon had before RTL 878c697, optional: before a write of
   * APPLIED_INDEX or COMMIT_INDEX, let the NIC finish delivering what it committed. Before RTL
   * 878c697 such a write in the middle of a multi-beat delivery left a half frame that wedged the
   * host RX queue (the campaigns found it too); the NIC now finishes the delivery itself.
   */
  private finishDelivery(): void {
    const delivering = (a: number, c: number): boolean => { const d = (c - a) >>> 0; return d !== 0 && d < 0x8000_0000; };
    let [applied, commit] = this.readCsrs([Csr.RAFT_APPLIED_INDEX, Csr.RAFT_COMMIT_INDEX]);
    if (!delivering(applied!, commit!)) return;
    this.guardWaits++;
    const c0 = this.world.cycle;
    while (delivering(applied!, commit!) && this.world.cycle - c0 <= 65_536) {
      this.world.advanceRaw(16);
      [applied, commit] = this.readCsrs([Csr.RAFT_APPLIED_INDEX, Csr.RAFT_COMMIT_INDEX]);
    }
  }
  /** times the guard waited for a delivery */
  guardWaits = 0;
  sendHost(frames: Uint8Array | readonly Uint8Array[]): void {
    const list = frames instanceof Uint8Array ? [frames] : [...frames];
    this.post(() => {
      this.world.nodes[this.node]!.hostTxFrames += list.length;
      this.inner.sendHost(list);
    });
  }
  /** the world hands host frames to the replica itself */
  pollHost(): HostFrame[] { return []; }
}

/** One node: its NIC, its host software (a Replica) and its storage. */
export class ModelNode {
  replica?: Replica;
  readonly storage = new MemStorage();
  up = true;
  crashes = 0;
  restarts = 0;
  gen = 0;
  /** host RX frames the host has not seen yet */
  hostQ: HostFrame[] = [];
  /** per plane: frames on their way to this NIC, sorted by arrival cycle */
  rxQ: Pending[][] = [];
  /** frames the NIC transmitted (every plane), and host TX frames the host handed it (they reached the NIC): the liveness detector's view */
  txFrames = 0;
  hostTxFrames = 0;
  readonly wnic: WorldModelNic;
  constructor(world: ModelWorld, readonly port: number, public nic: ModelNic, readonly rate: number) {
    this.wnic = new WorldModelNic(world, port, nic);
  }
  get id(): NodeId { return this.port + 1; }
}

/** The frame secrets of a seed's world (frame authentication): node key and client key. */
export function frameSecrets(seed: number): SlotSecrets {
  return {
    nodeSecret: new Uint8Array(32).map((_, i) => (seed * 131 + i * 29 + 7) & 0xff),
    clientSecret: new Uint8Array(32).map((_, i) => (seed * 71 + i * 13 + 101) & 0xff),
  };
}

/**
 * ModelWorld.netStats: what the network did (counts); the link faults' counts are the world's
 * LinkTally's (sim/model-common.ts tallyLinkOutcome).
 */
function netStatsOver(t: LinkTally) {
  return {
    frames: 0, copies: 0,
    get dropFault(): number { return t.fault; },
    get dropPartition(): number { return t.partition; },
    dropPlane: 0, dropNodeDown: 0, dropUnknown: 0,
    get dup(): number { return t.duplicated; },
    get delayed(): number { return t.delayed; },
    get corrupt(): number { return t.corrupted; },
  };
}

export class ModelWorld {
  readonly replicas: number;
  readonly planes: number;
  readonly net: NetworkModel;
  readonly nsPerCycle: number;
  readonly nodes: ModelNode[] = [];
  readonly opts: ModelRaftOptions;
  readonly hostLatencyCycles: number;
  readonly hostPollCycles: number;
  readonly nClients: number;
  readonly nicGuard: boolean;
  /** fault-free least hop, cycles: the lockstep chunk */
  readonly minHop: number;
  private readonly P: number; // ps per cycle
  private readonly voters: NodeId[];
  private readonly nicParams: Partial<NicParams>;
  private _cycle = 0;
  private timers: Timer[] = [];
  private seq = 0;
  private nextPoll = 0;
  private faults: FaultSpec[] = [];
  /** a delay fault's delay, its jitter drawn from the faults' stream (ps) */
  private readonly delayPs = (f: Extract<FaultSpec, { kind: 'delay' }>): number =>
    (f.delayNs + (f.jitterNs ? this.frand.next() * f.jitterNs : 0)) * 1000;
  private faultTimes: number[] = [];
  private readonly frand: SeededRand;
  private uplinkFree: Float64Array; // [endpoint * P + plane] ps
  private egressFree: Float64Array; // [endpoint * P + plane] ps
  private clientQ: Pending[][] = [];
  /** frame authentication: the world's key configuration (mutated by a key roll), the clients' keys and packet numbers */
  readonly frameKeys: FrameAuthConfig;
  readonly clientKeys: ClientFrameKeys;
  private readonly clientPns = new Map<number, number>();
  private clientPn(k: number): number {
    const pn = Math.max(this._cycle, (this.clientPns.get(k) ?? 0) + 1);
    this.clientPns.set(k, pn);
    return pn;
  }
  private pollers: Array<() => void> = [];
  private inHosts = false;
  private readonly eventLines: string[] = [];
  private planeUp: boolean[];
  /** the link faults' counts (netStats' dropFault, dropPartition, dup, delayed, corrupt) */
  private readonly linkTally = newLinkTally();
  /** what the network did (counts) */
  readonly netStats = netStatsOver(this.linkTally);
  /** hooks */
  /** every frame entering the fabric (a wire tap: tests capture frames to replay them) */
  onRoute?: (src: number, plane: number, frame: Uint8Array) => void;
  onRoleChange?: (port: number, role: string, term: number) => void;
  onEntryApplied?: (port: number, e: Entry) => void;
  /** a client command applied by a node's KV store (duplicate: answered from its session, not executed again) */
  onCommandApplied?: (port: number, clientId: number, seq: number, index: number, duplicate: boolean) => void;
  /** a node crashed (cause: 'fault' | 'storage: ...') */
  onCrash?: (port: number, cause: string) => void;

  constructor(readonly cfg: ModelWorldConfig) {
    this.replicas = cfg.replicas;
    this.planes = cfg.planes;
    this.frameKeys = frameSecrets(cfg.seed);
    this.clientKeys = new ClientFrameKeys(this.frameKeys);
    this.net = { ...DEFAULT_NETWORK, ...(cfg.network ?? {}) };
    this.P = periodPs(this.net);
    this.nsPerCycle = this.P / 1000;
    this.opts = { ...DEFAULT_MODEL_RAFT, ...(cfg.raft ?? {}) };
    this.hostLatencyCycles = cfg.hostLatencyCycles ?? 250;
    this.hostPollCycles = Math.max(1, cfg.hostPollCycles ?? 250);
    this.nClients = cfg.clients ?? 0;
    this.nicGuard = cfg.nicGuard ?? false;
    this.voters = Array.from({ length: cfg.voters ?? cfg.replicas }, (_, i) => i + 1);
    this.nicParams = { ...(cfg.nicParams ?? {}), PLANES: cfg.planes };
    const least = Math.min(hopPs(this.net, MIN_FRAME_BYTES, false, false), hopPs(this.net, MIN_FRAME_BYTES, true, false));
    this.minHop = Math.max(1, 1 + Math.floor(least / this.P));
    this.frand = new SeededRand((cfg.seed * 0x2545f491 + 17) >>> 0);
    const E = cfg.replicas + this.nClients;
    this.uplinkFree = new Float64Array(E * cfg.planes);
    this.egressFree = new Float64Array(E * cfg.planes);
    this.planeUp = Array.from({ length: cfg.planes }, () => true);
    for (let k = 0; k < this.nClients; k++) this.clientQ.push([]);
    for (let i = 0; i < cfg.replicas; i++) {
      const nic = this.newNic(i);
      const node = new ModelNode(this, i, nic, cfg.clockRates?.[i] ?? 1);
      for (let p = 0; p < cfg.planes; p++) node.rxQ.push([]);
      this.nodes.push(node);
    }
    this.booting = true;
    for (const n of this.nodes) this.boot(n);
    this.booting = false;
    this.nextPoll = this._cycle + this.hostPollCycles;
  }
  private booting = false;

  get cycle(): number { return this._cycle; }
  /** cycles in n microseconds */
  us(n: number): number { return Math.round((n * 1000) / this.nsPerCycle); }
  /** simulated time, us */
  get nowUs(): number { return (this._cycle * this.nsPerCycle) / 1000; }

  log(text: string): void {
    this.eventLines.push(`${this._cycle} ${text}`);
  }
  events(): string[] { return this.eventLines; }

  private newNic(port: number): ModelNic {
    const nic = new ModelNic({ params: this.nicParams, seed: (this.cfg.seed * 7919 + port + 1) >>> 0 });
    if (this._cycle > nic.cycle) nic.step(this._cycle - nic.cycle);
    return nic;
  }

  /** The host's own clock, ns. */
  hostNs(n: ModelNode): number {
    return this._cycle * this.nsPerCycle * n.rate;
  }

  private boot(n: ModelNode): void {
    const rand = new SeededRand((this.cfg.seed * 0x9e3779b1 + n.port * 7919 + n.restarts * 104729) >>> 0);
    const o = this.opts;
    const r = new Replica({
      config: {
        id: n.id, clusterId: 1, voters: this.voters, electionTimeoutNs: o.electionTimeoutNs, heartbeatIntervalNs: o.heartbeatIntervalNs,
        rand, preVote: o.preVote, leaseReads: o.leaseReads, maxClockDrift: o.maxClockDrift, followerReads: o.followerReads ?? false,
        ...(o.followerReplies ? { followerReplies: true } : {}),
      },
      serveReads: o.followerReads ?? false,
      clock: () => this.hostNs(n),
      nic: n.wnic,
      storage: n.storage,
      key: o.key,
      frameAuth: this.cfg.frameAuth ? this.frameKeys : undefined,
      tuning: o.tuning,
      durableReplies: o.durableReplies,
      log: (s) => this.log(s),
    });
    r.onRoleChange = (role, term) => this.onRoleChange?.(n.port, role, term);
    r.onEntryApplied = (e) => this.onEntryApplied?.(n.port, e);
    r.onApplied = (a) => this.onCommandApplied?.(n.port, a.clientId, a.seq, a.index, a.duplicate);
    n.replica = r;
    const g = ++n.gen;
    const tickCycles = Math.max(1, Math.round(o.tickNs / (this.nsPerCycle * n.rate)));
    const first = this._cycle + 1 + ((n.port * 37) % tickCycles);
    const loop = (at: number): void => {
      this.setTimer(at, () => {
        if (g !== n.gen || !n.replica) return;
        this.guard(n, () => n.replica!.tick(this.hostNs(n)));
        loop(this._cycle + tickCycles);
      });
    };
    loop(first);
  }

  /** Runs host code of node n; a storage crash point that fires crashes the node. */
  guard(n: ModelNode, fn: () => void): void {
    if (!n.up || !n.replica) return;
    try {
      fn();
    } catch (e) {
      if (e instanceof CrashError) {
        this.crash(n.port, 'power', `storage: ${e.message}`);
        return;
      }
      throw e;
    }
  }

  /** An operator request at node `port` (confChange, campaign, compact, ...). */
  request(port: number, ev: Parameters<Replica['request']>[0]): void {
    const n = this.nodes[port]!;
    this.guard(n, () => n.replica!.request(ev));
  }

  // ---- timers, posts ---------------------------------------------------------------------------

  setTimer(at: number, fn: () => void): void {
    insertTimer(this.timers, { at: Math.max(at, this._cycle), seq: this.seq++, fn });
  }

  /** @internal */
  post(w: WorldModelNic, fn: () => void): void {
    const n = this.nodes[w.node]!;
    if (!n.up) return;
    if (this.booting) { fn(); return; }
    w.posts.push({ due: this._cycle + this.hostLatencyCycles, seq: this.seq++, fn });
  }

  /** @internal advances the world until every operation the node posted reached its NIC. */
  waitPosted(w: WorldModelNic): void {
    while (w.posts.length) {
      const due = w.posts[0]!.due;
      if (due > this._cycle) this.advanceRaw(due - this._cycle);
      else this.applyPosts(this.nodes[w.node]!);
    }
  }

  /** @internal after a NIC ran ahead (a read), brings the rest of the world to its cycle. */
  catchUp(): void {
    let c = this._cycle;
    for (const n of this.nodes) if (n.up && n.nic.cycle > c) c = n.nic.cycle;
    if (c > this._cycle) this.advanceRaw(c - this._cycle);
  }

  private applyPosts(n: ModelNode): void {
    applyDuePosts(n.wnic.posts, this._cycle);
  }

  // ---- faults ----------------------------------------------------------------------------------

  /** Adds a fault (times in cycles; endpoints: nodes 0..N-1, clients N..). Crash/restart/plane faults act at their times. */
  addFault(f: FaultSpec): void {
    const at = Math.max(f.at, this._cycle);
    const g = { ...f, at } as FaultSpec;
    if (g.kind === 'crash' || g.kind === 'restart' || g.kind === 'planeDown' || g.kind === 'planeUp') {
      this.setTimer(at, () => this.applyEdge(g, false));
      if (g.until !== undefined) this.setTimer(g.until, () => this.applyEdge(g, true));
      return;
    }
    this.faults.push(g);
    this.log(`fault ${describeFault(g)}`);
  }

  /** Removes every link fault and partition (the liveness phase). */
  clearLinkFaults(): void {
    this.faults = [];
    this.log('link faults cleared');
  }

  private applyEdge(f: FaultSpec, undo: boolean): void {
    switch (f.kind) {
      case 'planeDown': case 'planeUp': {
        const up = (f.kind === 'planeUp') !== undo;
        this.setPlane(f.plane, up);
        return;
      }
      case 'crash': case 'restart': {
        const down = (f.kind === 'crash') !== undo;
        if (down) this.crash(f.node, 'power', 'fault');
        else this.restart(f.node);
        return;
      }
      default:
    }
  }

  setPlane(plane: number, up: boolean): void {
    if (this.planeUp[plane] === up) return;
    this.planeUp[plane] = up;
    this.log(`plane ${plane} ${up ? 'up' : 'down'}`);
  }
  planeIsUp(plane: number): boolean { return this.planeUp[plane]!; }

  /** Node `port` crashes: the host stops, the NIC loses its state ('power': a new NIC; 'reset': log RAM kept). */
  crash(port: number, how: CrashHow = 'power', cause = 'fault'): void {
    const n = this.nodes[port]!;
    if (!n.up) return;
    n.up = false;
    n.crashes++;
    n.replica?.close();
    n.replica = undefined;
    n.gen++;
    n.hostQ = [];
    n.wnic.posts = [];
    for (const q of n.rxQ) q.length = 0;
    this.crashHow[port] = how;
    this.log(`n${n.id} crashed (${cause}; NIC ${how === 'power' ? 'power loss' : 'reset'})`);
    this.onCrash?.(port, cause);
  }
  private crashHow: CrashHow[] = [];

  /** Node `port` restarts: a fresh NIC (or the reset one), a new Replica from its storage. */
  restart(port: number, how?: CrashHow): void {
    const n = this.nodes[port]!;
    if (n.up) return;
    const h = how ?? this.crashHow[port] ?? 'power';
    if (h === 'power') {
      n.nic = this.newNic(port);
    } else {
      n.nic.reset();
      if (this._cycle > n.nic.cycle) n.nic.step(this._cycle - n.nic.cycle);
      for (let p = 0; p < this.planes; p++) n.nic.pullTx(p);
      n.nic.pollHost();
    }
    n.wnic.inner = n.nic;
    n.up = true;
    n.restarts++;
    n.storage.disarm();
    this.log(`n${n.id} restarts from storage (${n.storage.saves} batches saved so far)`);
    this.boot(n);
  }

  // ---- network ---------------------------------------------------------------------------------

  private endpointOfMac(mac: number): number {
    if (mac >= MAC_NODE_PREFIX && mac < MAC_NODE_PREFIX + 256) {
      const port = mac - MAC_NODE_PREFIX - 1;
      return port >= 0 && port < this.replicas ? port : -1;
    }
    if (mac >= MAC_CLIENT_PREFIX && mac < MAC_CLIENT_PREFIX + 0x1000000) {
      const k = mac - MAC_CLIENT_PREFIX - 1;
      return k >= 0 && k < this.nClients ? this.replicas + k : -1;
    }
    return -1;
  }

  /** A frame from endpoint `src` on `plane`, ready for the wire at `readyPs`. */
  /**
   * An attacker's frame: it enters the fabric now at port `src` on `plane` as if that port had sent
   * it (nothing on the wire authenticates a NIC frame's source; tests of forged frames).
   */
  inject(src: number, plane: number, frame: Uint8Array): void {
    this.route(src, plane, frame, this._cycle * this.P);
  }

  /**
   * An attacker on the link into node dst's NIC on a plane (the fault campaigns' attacker): the frame
   * reaches the NIC at the next cycle, past the switch and its faults. False if the node or the plane
   * (its links) is down.
   */
  injectRx(dst: number, plane: number, frame: Uint8Array): boolean {
    const n = this.nodes[dst];
    if (!n || !n.up || plane >= this.planes || !this.planeUp[plane]) return false;
    insertSorted(n.rxQ[plane]!, { at: this._cycle + 1, seq: this.seq++, frame: Uint8Array.from(frame), macError: false });
    return true;
  }

  private route(src: number, plane: number, frame: Uint8Array, readyPs: number): void {
    this.netStats.frames++;
    this.onRoute?.(src, plane, frame);
    if (!this.planeUp[plane]) { this.netStats.dropPlane++; return; }
    const E = this.planes;
    const fromClient = src >= this.replicas;
    const w = wirePs(this.net, frame.length);
    const ui = src * E + plane;
    const s = Math.max(this.uplinkFree[ui]!, readyPs);
    this.uplinkFree[ui] = s + w;
    const fwd = s + (fromClient ? this.net.clientTxNs : this.net.nicTxNs) * 1000 + this.net.cableNs * 1000 + this.net.switchNs * 1000 +
      (this.net.switching === 'cut-through' ? 0 : w);
    const mac = macOf(frame);
    if (mac === MAC_GROUP) {
      for (let d = 0; d < this.replicas; d++) if (d !== src) this.egress(src, d, plane, frame, fwd);
      return;
    }
    const d = this.endpointOfMac(mac);
    if (d < 0 || d === src) { this.netStats.dropUnknown++; return; }
    this.egress(src, d, plane, frame, fwd);
  }

  private egress(src: number, dst: number, plane: number, frame: Uint8Array, fwdPs: number): void {
    const now = Math.ceil(fwdPs / this.P);
    const o = this.faults.length ? applyLinkFaults(this.faults, now, src, dst, plane, frame, this.frand, this.delayPs) : null;
    if (o && tallyLinkOutcome(this.linkTally, o)) return;
    const copies = o ? o.copies : 1, extraPs = o ? o.extraPs : 0, data = o ? o.data : frame, macError = o ? o.macError : false;
    const toClient = dst >= this.replicas;
    const w = wirePs(this.net, data.length);
    const ei = dst * this.planes + plane;
    for (let k = 0; k < copies; k++) {
      const e = Math.max(this.egressFree[ei]!, fwdPs);
      this.egressFree[ei] = e + w;
      const arr = e + w + this.net.cableNs * 1000 + (toClient ? this.net.clientRxNs : this.net.nicRxNs) * 1000 + extraPs;
      const at = Math.ceil(arr / this.P);
      const pend: Pending = { at, seq: this.seq++, frame: data, macError };
      this.netStats.copies++;
      if (toClient) insertSorted(this.clientQ[dst - this.replicas]!, pend);
      else insertSorted(this.nodes[dst]!.rxQ[plane]!, pend);
    }
  }

  /**
   * One step of a key roll without stopping the cluster (docs/auth.md, "Rolling a key"): the world's key
   * configuration moves (nodes started later install it), every running node's NIC follows now, and so
   * do the clients. `begin` needs the next slot's secrets.
   */
  rollFrameKeys(step: 'begin' | 'sign' | 'finish', next?: SlotSecrets): void {
    if (!this.cfg.frameAuth) throw new Error('ModelWorld: a key roll needs frameAuth');
    rollEverywhere(this.frameKeys, step, next, this.nodes.flatMap((n) => (n.up && n.replica ? [n.replica] : [])), this.clientKeys);
    this.log(`frame keys: ${step}`);
  }

  /** External client k sends a frame on a plane (now). */
  clientSend(k: number, plane: number, frame: Uint8Array): void {
    if (this.cfg.frameAuth && frame[15] === MsgType.REQ) frame = this.clientKeys.sign(frame, this.clientPn(k));
    this.route(this.replicas + k, plane, Uint8Array.from(frame), this._cycle * this.P);
  }

  /** Frames that reached client k by now. */
  clientPoll(k: number): Uint8Array[] {
    const q = this.clientQ[k]!;
    let i = 0;
    while (i < q.length && q[i]!.at <= this._cycle) i++;
    if (i === 0) return [];
    return q.splice(0, i).filter((p) => !p.macError).map((p) => p.frame);
  }

  addPoller(fn: () => void): void {
    this.pollers.push(fn);
  }

  // ---- time ------------------------------------------------------------------------------------

  /**
   * Advances every live NIC to `_cycle + n` in chunks of at most the least hop, routing the
   * frames they send and queueing arrivals on the RX ports ahead of time; no host code runs,
   * except posted operations coming due.
   */
  advanceRaw(n: number): void {
    const end = this._cycle + n;
    while (this._cycle < end) {
      let t = Math.min(end, this._cycle + this.minHop);
      for (const nd of this.nodes) if (nd.up && nd.wnic.posts.length) t = Math.min(t, Math.max(nd.wnic.posts[0]!.due, this._cycle + 1));
      for (const nd of this.nodes) {
        if (!nd.up) continue;
        if (nd.nic.cycle < t) nd.nic.step(t - nd.nic.cycle);
      }
      this._cycle = t;
      this.collect();
      for (const nd of this.nodes) if (nd.up && nd.wnic.posts.length) this.applyPosts(nd);
    }
  }

  /** Pulls what the NICs sent, routes it, queues arrivals due before the next chunk ends. */
  private collect(): void {
    const P = this.P;
    for (const nd of this.nodes) {
      if (!nd.up) continue;
      for (let p = 0; p < this.planes; p++) {
        const tx = nd.nic.pullTx(p);
        nd.txFrames += tx.length;
        for (const f of tx) this.route(nd.port, p, f.frame, (f.cycle + 1) * P);
      }
      const h = nd.nic.pollHost();
      if (h.length) for (const f of h) nd.hostQ.push(f);
    }
    const horizon = this._cycle + this.minHop;
    for (const nd of this.nodes) {
      for (let p = 0; p < this.planes; p++) {
        const q = nd.rxQ[p]!;
        if (!q.length || q[0]!.at >= horizon) continue;
        let i = 0;
        while (i < q.length && q[i]!.at < horizon) i++;
        const batch = q.splice(0, i);
        if (!nd.up) { this.netStats.dropNodeDown += batch.length; continue; }
        const rx: RxFrame[] = [];
        for (const b of batch) {
          if (!this.planeUp[p]) { this.netStats.dropPlane++; continue; }
          rx.push({ frame: b.frame, atCycle: b.at, macError: b.macError });
        }
        if (rx.length) nd.nic.pushRx(p, rx);
      }
    }
  }

  private runHosts(): void {
    this.inHosts = true;
    try {
      while (this.timers.length && this.timers[0]!.at <= this._cycle) this.timers.shift()!.fn();
      if (this._cycle >= this.nextPoll) {
        this.nextPoll = this._cycle + this.hostPollCycles;
        for (const nd of this.nodes) {
          if (!nd.up || !nd.hostQ.length) continue;
          const q = nd.hostQ;
          let k = 0;
          while (k < q.length && q[k]!.cycle + this.hostLatencyCycles <= this._cycle) k++;
          if (k === 0) continue;
          const ready = q.splice(0, k);
          this.guard(nd, () => nd.replica!.onHostFrames(ready));
        }
        for (const fn of this.pollers) fn();
      }
    } finally {
      this.inHosts = false;
    }
  }

  /** Runs `cycles` cycles: the network and NICs in lockstep chunks, host software between them. */
  run(cycles: number): void {
    if (this.inHosts) throw new Error('ModelWorld.run: called from host code');
    const end = this._cycle + cycles;
    while (this._cycle < end) {
      let t = Math.min(end, this.nextPoll);
      if (this.timers.length) t = Math.min(t, this.timers[0]!.at);
      t = Math.max(t, this._cycle + 1);
      this.advanceRaw(t - this._cycle);
      this.runHosts();
    }
  }

  runUntil(pred: () => boolean, limit: number, step = 250): boolean {
    const end = this._cycle + limit;
    while (this._cycle < end) {
      if (pred()) return true;
      this.run(Math.min(step, end - this._cycle));
    }
    return pred();
  }
}

export function describeFault(f: FaultSpec): string {
  const parts: string[] = [f.kind, `at=${f.at}`];
  if (f.until !== undefined) parts.push(`until=${f.until}`);
  for (const [k, v] of Object.entries(f)) {
    if (k === 'kind' || k === 'at' || k === 'until' || v === undefined) continue;
    parts.push(`${k}=${Array.isArray(v) ? JSON.stringify(v) : String(v)}`);
  }
  return parts.join(' ');
}
