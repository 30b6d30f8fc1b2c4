// A ModelNic world (sim/model-world.ts) with WOR application processes: each process is a client
// session (a KvClient at its own client endpoint, a WorClient over it) plus an inbox on a small
// application bus (messages between processes: a delay, loss and cuts drawn from the seed), and
// async code (the WOR applications of ctrl/app/wor/ are async). The driver steps the world one host
// poll (or `stepCycles`) at a time and lets the processes' promise continuations run between steps, so the whole run
// stays deterministic: one seed, the same run.
//
// A crashed process (kill) stops for good: its session and inbox go, its pending promises never
// settle, so its code never continues. A restarted process is a new process (a fresh endpoint and
// session id) that recovers from what it kept durably and from the WORs.

import { KvClient } from '../ctrl/app/client.js';
import { WorClient } from '../ctrl/app/wor/client.js';
import { SeededRand } from '../ctrl/rand.js';
import { ModelWorld, type ModelRaftOptions } from './model-world.js';
import type { NetworkModel } from './cluster.js';

export interface WorWorldConfig {
  replicas: number;
  planes: number;
  seed: number;
  /** client endpoints (every process incarnation takes one) */
  endpoints: number;
  raft?: Partial<ModelRaftOptions>;
  network?: Partial<NetworkModel>;
  hostLatencyCycles?: number;
  hostPollCycles?: number;
  /** the sessions' attempt timeout and retry budget (us) */
  attemptTimeoutUs?: number;
  retryBudgetUs?: number;
  /**
   * The driver's step in cycles (default: the host poll period): the processes poll their
   * sessions and run after every step, so this is the resolution of the clients' clock (the
   * benchmark uses 25 cycles = 100 ns; the replicas' hosts still poll every host poll period).
   */
  stepCycles?: number;
}

export interface BusOptions {
  minDelayUs: number;
  maxDelayUs: number;
  /** the chance that a message is lost */
  lossProb: number;
}

export class WorProc {
  alive = true;
  readonly wor: WorClient;
  onMessage?: (from: string, msg: unknown) => void;
  constructor(private readonly ww: WorWorld, readonly name: string, readonly endpoint: number, readonly kv: KvClient) {
    this.wor = new WorClient((cmd) => {
      kv.tick(ww.nowNs()); // the attempt deadline counts from now
      return kv.invokeAsync(cmd);
    });
  }
  get clientId(): number { return this.endpoint + 1; }
  sleep(ns: number): Promise<void> { return this.ww.sleep(this, ns); }
  send(to: string, msg: unknown): void { this.ww.send(this, to, msg); }
}

interface Sleeper { at: number; seq: number; proc: WorProc; res: () => void }
interface Letter { at: number; seq: number; from: string; to: string; msg: unknown }

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

export class WorWorld {
  readonly world: ModelWorld;
  readonly rand: SeededRand;
  bus: BusOptions = { minDelayUs: 1, maxDelayUs: 3, lossProb: 0 };
  /** process names cut off the bus (both ways) */
  readonly cut = new Set<string>();
  readonly busStats = { sent: 0, delivered: 0, lost: 0, cut: 0, toDead: 0 };
  private readonly procs: Array<WorProc | undefined> = [];
  private readonly byName = new Map<string, WorProc>();
  private nextEndpoint = 0;
  private sleepers: Sleeper[] = [];
  private letters: Letter[] = [];
  private seq = 0;
  private readonly nodes: number[];

  constructor(readonly cfg: WorWorldConfig) {
    this.world = new ModelWorld({
      replicas: cfg.replicas, planes: cfg.planes, seed: cfg.seed, clients: cfg.endpoints,
      ...(cfg.raft ? { raft: cfg.raft } : {}), ...(cfg.network ? { network: cfg.network } : {}),
      ...(cfg.hostLatencyCycles !== undefined ? { hostLatencyCycles: cfg.hostLatencyCycles } : {}),
      ...(cfg.hostPollCycles !== undefined ? { hostPollCycles: cfg.hostPollCycles } : {}),
    });
    this.rand = new SeededRand((cfg.seed * 0x27d4eb2d + 99) >>> 0);
    this.nodes = Array.from({ length: cfg.replicas }, (_, i) => i + 1);
    this.step = Math.max(1, cfg.stepCycles ?? this.world.hostPollCycles);
  }
  private readonly step: number;

  nowNs(): number { return this.world.cycle * this.world.nsPerCycle; }
  nowUs(): number { return this.nowNs() / 1000; }

  /** A new process named `name` at the next free endpoint (the name's earlier incarnation must be dead). */
  spawn(name: string): WorProc {
    const k = this.nextEndpoint++;
    if (k >= this.cfg.endpoints) throw new Error(`WorWorld: all ${this.cfg.endpoints} client endpoints are taken`);
    const w = this.world;
    let plane = k % this.cfg.planes;
    const kv = new KvClient({
      clientId: k + 1, clusterId: 1, nodes: [...this.nodes.slice(k % this.nodes.length), ...this.nodes.slice(0, k % this.nodes.length)],
      attemptTimeoutNs: (this.cfg.attemptTimeoutUs ?? 60) * 1000, maxAttempts: Infinity,
      retryBudgetNs: (this.cfg.retryBudgetUs ?? 3000) * 1000,
      rand: () => this.rand.next(),
      transport: {
        send: (_to, frame) => {
          w.clientSend(k, plane, frame);
          plane = (plane + 1) % this.cfg.planes;
        },
      },
    });
    kv.tick(this.nowNs());
    const p = new WorProc(this, name, k, kv);
    this.procs[k] = p;
    this.byName.set(name, p);
    return p;
  }

  /** The process stops: nothing of it runs again. */
  kill(p: WorProc): void {
    p.alive = false;
    this.procs[p.endpoint] = undefined;
    if (this.byName.get(p.name) === p) this.byName.delete(p.name);
    this.sleepers = this.sleepers.filter((s) => s.proc !== p);
  }

  proc(name: string): WorProc | undefined { return this.byName.get(name); }

  sleep(p: WorProc, ns: number): Promise<void> {
    return new Promise((res) => {
      const s: Sleeper = { at: this.world.cycle + Math.max(1, Math.round(ns / this.world.nsPerCycle)), seq: this.seq++, proc: p, res };
      let i = this.sleepers.length;
      while (i > 0 && this.sleepers[i - 1]!.at > s.at) i--;
      this.sleepers.splice(i, 0, s);
    });
  }

  send(from: WorProc, to: string, msg: unknown): void {
    if (!from.alive) return;
    this.busStats.sent++;
    if (this.cut.has(from.name) || this.cut.has(to)) { this.busStats.cut++; return; }
    if (this.rand.next() < this.bus.lossProb) { this.busStats.lost++; return; }
    const us = this.bus.minDelayUs + this.rand.next() * (this.bus.maxDelayUs - this.bus.minDelayUs);
    const l: Letter = { at: this.world.cycle + this.world.us(us), seq: this.seq++, from: from.name, to, msg };
    let i = this.letters.length;
    while (i > 0 && this.letters[i - 1]!.at > l.at) i--;
    this.letters.splice(i, 0, l);
  }

  private poll(): void {
    const now = this.nowNs();
    for (let k = 0; k < this.nextEndpoint; k++) {
      const p = this.procs[k];
      const frames = this.world.clientPoll(k); // a dead process's frames are dropped here
      if (!p) continue;
      for (const f of frames) p.kv.receive(f, now);
      p.kv.tick(now);
    }
  }

  private wake(): void {
    const c = this.world.cycle;
    while (this.sleepers.length && this.sleepers[0]!.at <= c) this.sleepers.shift()!.res();
    while (this.letters.length && this.letters[0]!.at <= c) {
      const l = this.letters.shift()!;
      const p = this.byName.get(l.to);
      if (!p || !p.onMessage) { this.busStats.toDead++; continue; }
      if (this.cut.has(l.to) || this.cut.has(l.from)) { this.busStats.cut++; continue; }
      this.busStats.delivered++;
      p.onMessage(l.from, l.msg);
    }
  }

  /** Runs `us` microseconds of simulated time, letting the processes run between steps. */
  async run(us: number): Promise<void> {
    const end = this.world.cycle + Math.max(1, this.world.us(us));
    while (this.world.cycle < end) {
      this.world.run(Math.min(this.step, end - this.world.cycle));
      this.poll();
      this.wake();
      await flush();
    }
  }

  /** Runs until `pred` holds (checked every host poll) or `limitUs` passed; returns pred(). */
  async runUntil(pred: () => boolean, limitUs: number): Promise<boolean> {
    const end = this.world.cycle + this.world.us(limitUs);
    await flush();
    while (this.world.cycle < end) {
      if (pred()) return true;
      this.world.run(Math.min(this.step, end - this.world.cycle));
      this.poll();
      this.wake();
      await flush();
    }
    return pred();
  }
}
