// The two worlds a campaign seed runs in, behind one interface: the ModelNic world
// (sim/model-world.ts, the default) and RTL NICs in the C++ fabric (sim/raft-host.ts, --rtl).

import type { Replica } from '../../ctrl/driver/replica.js';
import type { MemStorage } from '../../ctrl/core/memstore.js';
import { CrashError } from '../../ctrl/core/memstore.js';
import type { Entry, Event } from '../../ctrl/core/types.js';
import type { FaultSpec } from '../../sim/cluster.js';
import { ModelWorld, frameSecrets } from '../../sim/model-world.js';
import { RaftCluster } from '../../sim/raft-host.js';
import { FuzzClients } from './workload.js';
import type { JsonHistory } from '../check/types.js';
import { Draw, type Schedule } from './schedule.js';
import { ClientFrameKeys, configSlots, rollEverywhere, type FrameAuthConfig, type SlotSecrets } from '../../ctrl/nic/auth-keys.js';
import { MsgType, type CounterName } from '../../ctrl/wire/wire.gen.js';

/** the key slots a node under this configuration installs (bit s: slot s) */
const slotMask = (fa: FrameAuthConfig): number => configSlots(fa).slots.reduce((m, s) => m | (1 << s.slot), 0);


export interface Backend {
  readonly kind: 'model' | 'rtl';
  /** nodes (ports 0..ports-1; core id = port + 1) */
  readonly ports: number;
  readonly planes: number;
  nowUs(): number;
  cycles(us: number): number;
  /** runs `us` microseconds (storage crash points that fire crash their node: onCrash) */
  advance(us: number): void;
  leader(): number;
  up(port: number): boolean;
  replica(port: number): Replica | undefined;
  storage(port: number): MemStorage;
  crash(port: number, how: 'power' | 'reset'): void;
  restart(port: number): void;
  /** a link fault or partition (times in cycles; endpoints: ports, clients via clientEndpoint) */
  addFault(f: FaultSpec): void;
  planeDown(plane: number, untilCycle: number): void;
  /** every link fault, partition and plane outage ends now */
  healNetwork(): void;
  clientEndpoint(k: number): number;
  request(port: number, ev: Event): void;
  // clients
  startClients(): void;
  stopClients(): void;
  busyClients(): number;
  markLiveness(): void;
  firstOkAfterMarkUs(): number | undefined;
  /** starts the final reads; finalDone() is true when they ended, finalOk() when every one was ok */
  finalReads(): void;
  finalDone(): boolean;
  finalOk(): boolean;
  outcomes(): { ok: number; fail: number; indeterminate: number };
  /** reads without the log, by how they were answered */
  readsVia(): Record<string, number>;
  historyJson(): string;
  /** the history as data, and the client operations that did not end ok with their history index */
  history(): JsonHistory;
  unresolved(): Array<{ clientId: number; seq: number; index: number }>;
  /** operations the client library reported `failed` (certainly not executed): (client id, seq) */
  failedClaims(): Array<{ clientId: number; seq: number; op: string; key: string }>;
  events(): string[];
  /** the liveness detector's view, per port: frames the NIC transmitted (every plane, since the start), host TX frames its host handed it */
  txFrames(): number[];
  hostTxFrames(): number[];
  log(line: string): void;
  /** a step of a frame key roll (docs/auth.md, "Rolling a key"): nodes running now and started later, and the clients */
  rollFrameKeys(step: 'begin' | 'sign' | 'finish', next?: SlotSecrets): void;
  /** the key slots a running node's NIC has installed (bit s: slot s) */
  keySlots(port: number): number;
  /** frame authentication on (every NIC checks and signs, the clients sign their REQs) */
  readonly frameAuth: boolean;
  /** the attacker: a frame into port's NIC input on a plane now, past the switch (false: the node is down) */
  injectRx(port: number, plane: number, frame: Uint8Array): boolean;
  /** the wire tap: starts calling onWire with frames as they enter the fabric */
  tapWire(): void;
  onWire?: (src: number, plane: number, frame: Uint8Array) => void;
  /** the NIC's counters (a driver's read; undefined: the node is down) */
  counters(port: number): Record<CounterName, bigint> | undefined;
  /** log every client frame and outcome */
  traceClients(): void;
  /** hooks */
  onCrash?: (port: number, cause: string) => void;
  onApplied?: (port: number, e: Entry) => void;
  /** a client command applied by a node's KV store (duplicate: answered from its session, not executed) */
  onCommand?: (port: number, clientId: number, seq: number, index: number, duplicate: boolean) => void;
  onRole?: (port: number, role: string, term: number) => void;
  destroy(): void;
}

/** The schedule's host latency and poll period in cycles (absent: the worlds' defaults, 1 us each). */
function hostTiming(s: Schedule, cyclesPerUs: number): { hostLatencyCycles?: number; hostPollCycles?: number } {
  return {
    ...(s.hostLatencyNs !== undefined ? { hostLatencyCycles: Math.round((s.hostLatencyNs * cyclesPerUs) / 1000) } : {}),
    ...(s.hostPollNs !== undefined ? { hostPollCycles: Math.max(1, Math.round((s.hostPollNs * cyclesPerUs) / 1000)) } : {}),
  };
}

function liveLeader(reps: Array<Replica | undefined>): number {
  let best = -1;
  let term = -1;
  reps.forEach((r, i) => {
    if (r && r.core.role === 'leader' && r.core.term > term) { best = i; term = r.core.term; }
  });
  return best;
}

/**
 * What both worlds do alike: the campaign's clients (FuzzClients) and their outcomes, delegated.
 */
abstract class ClientsBackend {
  abstract readonly clients: FuzzClients;
  startClients(): void { this.clients.start(); }
  stopClients(): void { this.clients.stop(); }
  busyClients(): number { return this.clients.busy(); }
  markLiveness(): void { this.clients.markLiveness(); }
  firstOkAfterMarkUs(): number | undefined {
    const ns = this.clients.firstOkAfterMarkNs;
    return ns === undefined ? undefined : ns / 1000;
  }
  finalReads(): void { this.clients.finalReads(); }
  finalDone(): boolean { return this.clients.finalPending === 0; }
  finalOk(): boolean { return this.clients.finalFailed === 0; }
  outcomes(): { ok: number; fail: number; indeterminate: number } { return this.clients.outcomes; }
  readsVia(): Record<string, number> { return { ...this.clients.readsVia, getsByReplica: this.clients.getsBy.replica, getsByLeader: this.clients.getsBy.leader, writesByFollower: this.clients.followerReplies() }; }
  historyJson(): string { return this.clients.recorder.toJSON(); }
  history(): JsonHistory { return this.clients.recorder.toHistory(); }
  unresolved(): Array<{ clientId: number; seq: number; index: number }> { return this.clients.unresolved; }
  failedClaims(): Array<{ clientId: number; seq: number; op: string; key: string }> { return this.clients.failedClaims; }
}

export class ModelBackend extends ClientsBackend implements Backend {
  readonly kind = 'model' as const;
  readonly world: ModelWorld;
  readonly clients: FuzzClients;
  readonly ports: number;
  readonly planes: number;
  onCrash?: (port: number, cause: string) => void;
  onApplied?: (port: number, e: Entry) => void;
  /** a client command applied by a node's KV store (duplicate: answered from its session, not executed) */
  onCommand?: (port: number, clientId: number, seq: number, index: number, duplicate: boolean) => void;
  onRole?: (port: number, role: string, term: number) => void;

  readonly frameAuth: boolean;
  onWire?: (src: number, plane: number, frame: Uint8Array) => void;

  constructor(s: Schedule, o: { nicGuard?: boolean } = {}) {
    super();
    this.ports = s.replicas + (s.spare ? 1 : 0);
    this.planes = s.planes;
    this.frameAuth = s.frameAuth ?? false;
    this.world = new ModelWorld({
      nicGuard: o.nicGuard ?? false, frameAuth: this.frameAuth,
      replicas: this.ports, voters: s.replicas, planes: s.planes, seed: s.seed, clients: s.workload.clients,
      raft: {
        electionTimeoutNs: s.electionTimeoutUs * 1000, heartbeatIntervalNs: s.heartbeatUs * 1000, tickNs: s.tickUs * 1000,
        maxClockDrift: s.maxClockDrift, durableReplies: s.durableReplies, ...(s.nic ? { tuning: s.nic } : {}),
        followerReads: s.followerReads ?? false, followerReplies: s.workload.followerReplies ?? false,
      },
      ...hostTiming(s, 250),
      clockRates: s.clockRates,
    });
    const w = this.world;
    w.onCrash = (p, c) => this.onCrash?.(p, c);
    w.onEntryApplied = (p, e) => this.onApplied?.(p, e);
    w.onCommandApplied = (p, c, q, i, d) => this.onCommand?.(p, c, q, i, d);
    w.onRoleChange = (p, r, t) => this.onRole?.(p, r, t);
    const nodes = Array.from({ length: this.ports }, (_, i) => i + 1);
    this.clients = new FuzzClients({
      planes: s.planes,
      send: (k, p, f) => w.clientSend(k, p, f),
      poll: (k) => w.clientPoll(k),
      nowNs: () => w.cycle * w.nsPerCycle,
      readAt: (port, key, done) => {
        const n = w.nodes[port];
        if (!n || !n.up || !n.replica) return false;
        const r = n.replica;
        w.guard(n, () => r.readLocal(key, done));
        return true;
      },
    }, nodes, s.workload, s.seed);
    w.addPoller(() => this.clients.poll());
  }

  nowUs(): number { return this.world.nowUs; }
  cycles(us: number): number { return this.world.us(us); }
  advance(us: number): void { this.world.run(Math.max(1, this.world.us(us))); }
  leader(): number { return liveLeader(this.world.nodes.map((n) => n.replica)); }
  up(port: number): boolean { return this.world.nodes[port]!.up; }
  replica(port: number): Replica | undefined { return this.world.nodes[port]!.replica; }
  storage(port: number): MemStorage { return this.world.nodes[port]!.storage; }
  crash(port: number, how: 'power' | 'reset'): void { this.world.crash(port, how, 'fault'); }
  restart(port: number): void { this.world.restart(port); }
  addFault(f: FaultSpec): void { this.world.addFault(f); }
  planeDown(plane: number, untilCycle: number): void {
    this.world.addFault({ kind: 'planeDown', at: this.world.cycle, until: untilCycle, plane });
  }
  healNetwork(): void {
    this.world.clearLinkFaults();
    for (let p = 0; p < this.planes; p++) this.world.setPlane(p, true);
  }
  clientEndpoint(k: number): number { return this.ports + k; }
  request(port: number, ev: Event): void { this.world.request(port, ev); }
  events(): string[] { return [...this.world.events(), `${this.world.cycle} network: ${JSON.stringify(this.world.netStats)}`]; }
  txFrames(): number[] { return this.world.nodes.map((n) => n.txFrames); }
  hostTxFrames(): number[] { return this.world.nodes.map((n) => n.hostTxFrames); }
  log(line: string): void { this.world.log(line); }
  traceClients(): void { this.clients.trace = (l) => this.world.log(l); }
  injectRx(port: number, plane: number, frame: Uint8Array): boolean { return this.world.injectRx(port, plane, frame); }
  tapWire(): void { this.world.onRoute = (src, plane, f) => this.onWire?.(src, plane, f); }
  rollFrameKeys(step: 'begin' | 'sign' | 'finish', next?: SlotSecrets): void { this.world.rollFrameKeys(step, next); }
  keySlots(): number { return slotMask(this.world.frameKeys); }
  counters(port: number): Record<CounterName, bigint> | undefined {
    const n = this.world.nodes[port]!;
    return n.up ? n.wnic.readCounters() : undefined;
  }
  destroy(): void { /* nothing native */ }
}

/**
 * RTL NICs in the C++ fabric with the control plane of sim/raft-host.ts; the campaign's own
 * clients (FuzzClients, as in the ModelNic world) at the fabric's external client ports.
 */
export class RtlBackend extends ClientsBackend implements Backend {
  readonly kind = 'rtl' as const;
  readonly rc: RaftCluster;
  readonly clients: FuzzClients;
  readonly ports: number;
  readonly planes: number;
  onCrash?: (port: number, cause: string) => void;
  onApplied?: (port: number, e: Entry) => void;
  /** a client command applied by a node's KV store (duplicate: answered from its session, not executed) */
  onCommand?: (port: number, clientId: number, seq: number, index: number, duplicate: boolean) => void;
  onRole?: (port: number, role: string, term: number) => void;
  private readonly extra: string[] = [];
  private armed = new Set<number>();
  private planesDown = new Set<number>();
  private downSet = new Set<number>();
  private readonly hostTx: number[];
  readonly frameAuth: boolean;
  /** the key configuration the hosts install (mutated by a key roll) and the clients' keys */
  private readonly frameKeys: FrameAuthConfig;
  private readonly clientKeys: ClientFrameKeys;
  onWire?: (src: number, plane: number, frame: Uint8Array) => void;
  private tapping = false;

  constructor(s: Schedule) {
    super();
    this.ports = s.replicas + (s.spare ? 1 : 0);
    this.planes = s.planes;
    this.frameAuth = s.frameAuth ?? false;
    this.hostTx = Array.from({ length: this.ports }, () => 0);
    const secrets: FrameAuthConfig = frameSecrets(s.seed);
    this.frameKeys = secrets;
    this.rc = new RaftCluster({
      replicas: this.ports, voters: s.replicas, planes: s.planes, seed: s.seed, kvClients: 0, rawClients: s.workload.clients,
      workload: { clients: 1, ratePct: 0 },
      ...hostTiming(s, 250),
      raft: {
        electionTimeoutNs: s.electionTimeoutUs * 1000, heartbeatIntervalNs: s.heartbeatUs * 1000, tickNs: s.tickUs * 1000,
        durableReplies: s.durableReplies, ...(s.nic ? { tuning: s.nic } : {}),
        followerReads: s.followerReads ?? false, followerReplies: s.workload.followerReplies ?? false,
        ...(this.frameAuth ? { frameAuth: secrets } : {}),
      },
    });
    const rc = this.rc;
    // the clients sign their REQs with the client key (as ModelWorld.clientSend); packet numbers per client, increasing
    const signer = this.clientKeys = new ClientFrameKeys(secrets);
    const pns = new Map<number, number>();
    const sign = (k: number, f: Uint8Array): Uint8Array => {
      if (!this.frameAuth || f[15] !== MsgType.REQ) return f;
      const pn = Math.max(rc.cycle, (pns.get(k) ?? 0) + 1);
      pns.set(k, pn);
      return signer.sign(f, pn);
    };
    const apply = rc.ledgerApply.bind(rc);
    rc.ledgerApply = (port: number, e: Entry, c?: number) => { apply(port, e, c); this.onApplied?.(port, e); };
    rc.onCommandApplied = (p, c, q, i, d) => this.onCommand?.(p, c, q, i, d);
    const role = rc.roleChanged.bind(rc);
    rc.roleChanged = (port: number, r: string, t: number) => { role(port, r, t); this.onRole?.(port, r, t); };
    // host TX frames, counted as the host hands them over (the liveness detector)
    rc.hosts.forEach((h, port) => {
      const nic = h.context().nic;
      const send = nic.sendHost.bind(nic);
      nic.sendHost = (frames) => {
        this.hostTx[port]! += frames instanceof Uint8Array ? 1 : frames.length;
        send(frames);
      };
    });
    const nodes = Array.from({ length: this.ports }, (_, i) => i + 1);
    // the fabric's external clients: the idle traffic generator's client is id 1, these 2, 3, ...
    const base = 1;
    this.clients = new FuzzClients({
      planes: s.planes,
      send: (k, p, f) => rc.cluster.clientSend(k, p, sign(k, f)),
      poll: (k) => rc.cluster.clientPoll(k).filter((f) => !f.badFcs).map((f) => f.frame),
      nowNs: () => rc.cycle * rc.nsPerCycle,
      readAt: (port, key, done) => {
        const r = this.replica(port);
        if (!r) return false;
        try {
          r.readLocal(key, done);
        } catch (e) {
          if (!(e instanceof CrashError)) throw e;
          this.storageCrash(port, e);
        }
        return true;
      },
    }, nodes, s.workload, s.seed, base);
    rc.cluster.addPoller(() => this.clients.poll());
  }

  nowUs(): number { return (this.rc.cycle * this.rc.nsPerCycle) / 1000; }
  cycles(us: number): number { return this.rc.us(us); }
  advance(us: number): void {
    this.advanceCycles(Math.max(1, this.rc.us(us)));
  }
  private storageCrash(port: number, e: Error): void {
    this.armed.delete(port);
    this.rc.hosts[port]!.replica?.close();
    this.rc.cluster.addFault({ kind: 'crash', at: this.rc.cycle, node: port });
    this.log(`n${port + 1} crashed (storage: ${e.message})`);
    this.downSet.add(port);
    this.onCrash?.(port, `storage: ${e.message}`);
  }
  private advanceCycles(n: number): void {
    const end = this.rc.cycle + n;
    while (this.rc.cycle < end) {
      try {
        this.rc.run(end - this.rc.cycle);
      } catch (e) {
        if (!(e instanceof CrashError)) throw e;
        // a storage crash point fired inside a host: that host dies now (the fabric crashes its NIC)
        const port = [...this.armed].find((p) => !this.rc.hosts[p]!.storage.isArmed());
        if (port === undefined) throw e;
        this.storageCrash(port, e);
      }
    }
    if (this.tapping) for (const t of this.rc.cluster.tapPoll()) this.onWire?.(t.src, t.plane, t.frame);
  }
  leader(): number { return liveLeader(this.rc.hosts.map((h, i) => (this.downSet.has(i) ? undefined : h.replica))); }
  up(port: number): boolean { return !this.downSet.has(port); }
  replica(port: number): Replica | undefined { return this.downSet.has(port) ? undefined : this.rc.hosts[port]!.replica; }
  storage(port: number): MemStorage {
    const s = this.rc.hosts[port]!.storage;
    // remember which storages may throw (to tell which host a CrashError came from)
    const self = this;
    const arm = s.armCrash.bind(s);
    if (!(s as unknown as { _fuzz?: boolean })._fuzz) {
      (s as unknown as { _fuzz?: boolean })._fuzz = true;
      s.armCrash = (point, nth) => { self.armed.add(port); arm(point, nth); };
    }
    return s;
  }
  crash(port: number, _how: 'power' | 'reset'): void {
    // the fabric's crash holds the NIC in reset (its state is lost either way)
    this.rc.hosts[port]!.replica?.close();
    this.rc.cluster.addFault({ kind: 'crash', at: this.rc.cycle, node: port });
    this.downSet.add(port);
    this.log(`n${port + 1} crashed (fault)`);
  }
  restart(port: number): void {
    if (!this.downSet.has(port)) return;
    this.rc.hosts[port]!.storage.disarm();
    this.armed.delete(port);
    this.rc.cluster.addFault({ kind: 'restart', at: this.rc.cycle, node: port });
    this.downSet.delete(port);
    this.log(`n${port + 1} restarts from storage`);
    // the fabric applies the restart at the next cycle: run it so the host is back before anything else looks at it
    this.advanceCycles(2);
  }
  addFault(f: FaultSpec): void { this.rc.cluster.addFault(f); }
  planeDown(plane: number, untilCycle: number): void {
    this.rc.cluster.addFault({ kind: 'planeDown', at: this.rc.cycle, until: untilCycle, plane });
    this.planesDown.add(plane);
  }
  healNetwork(): void {
    // link faults and partitions were scheduled to end by now; planes come back up
    for (const p of this.planesDown) this.rc.cluster.addFault({ kind: 'planeUp', at: this.rc.cycle, plane: p });
    this.planesDown.clear();
  }
  clientEndpoint(k: number): number { return this.ports + 1 + k; } // after the (idle) traffic generator client
  request(port: number, ev: Event): void {
    const r = this.replica(port);
    if (!r) return;
    try {
      r.request(ev);
    } catch (e) {
      if (!(e instanceof CrashError)) throw e;
      this.storageCrash(port, e);
    }
  }
  events(): string[] {
    const st = this.rc.cluster.stats();
    const drops = Object.entries(st).filter(([k, v]) => k.startsWith('drop.') && v > 0).map(([k, v]) => `${k}=${v}`).join(' ');
    return [...this.rc.cluster.events(), ...this.extra.map((l) => `(fuzz) ${l}`), `${this.rc.cycle} network: ${drops}`];
  }
  txFrames(): number[] {
    // every frame the NIC put out on any plane (a plane that is down drops it after: still sent)
    const st = this.rc.cluster.stats();
    return Array.from({ length: this.ports }, (_, port) => st[`node${port}.tx_frames`] ?? 0);
  }
  hostTxFrames(): number[] { return [...this.hostTx]; }
  log(line: string): void { this.extra.push(`${this.rc.cycle} ${line}`); }
  traceClients(): void { this.clients.trace = (l) => this.log(l); }
  injectRx(port: number, plane: number, frame: Uint8Array): boolean {
    if (this.downSet.has(port)) return false;
    return this.rc.cluster.injectRx(port, plane, frame);
  }
  tapWire(): void { this.tapping = true; this.rc.cluster.tap(64); }
  rollFrameKeys(step: 'begin' | 'sign' | 'finish', next?: SlotSecrets): void {
    if (!this.frameAuth) throw new Error('RtlBackend: a key roll needs frame authentication');
    const running = Array.from({ length: this.ports }, (_, p) => (this.up(p) ? this.replica(p) : undefined)).filter((r) => r !== undefined);
    rollEverywhere(this.frameKeys, step, next, running, this.clientKeys);
    this.log(`frame keys: ${step}`);
  }
  keySlots(): number { return slotMask(this.frameKeys); }
  counters(port: number): Record<CounterName, bigint> | undefined {
    if (this.downSet.has(port)) return undefined;
    return this.rc.cluster.nics[port]!.readCounters();
  }
  destroy(): void { this.rc.destroy(); }
}
