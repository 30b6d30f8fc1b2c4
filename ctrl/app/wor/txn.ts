// Two-phase commit over write-once registers (after WormSpace's transaction coordinator): the
// outcome of a transaction is a function of its registers alone, so a coordinator's crash loses
// nothing and any process can finish the transaction (a recovery coordinator, or a participant
// tired of waiting).
//
// Layout. A coordinator allocates chunks of slots and appends each chunk's base to a directory (a
// shared log every recovery coordinator knows). A transaction is one slot of S = maxParticipants+1
// registers: [slot] the descriptor (the participants, written by the coordinator), [slot+1+i] the
// vote of participant i ('C' prepared to commit, 'A' abort), written by the participant.
//
// Outcome (decide()): commit iff the descriptor holds the participant list and every participant's
// vote is 'C'; abort if the descriptor is VOID or some vote is 'A'; undecided otherwise.
//
// Common case, per transaction: the coordinator writes the descriptor (epoch 0) while it sends
// PREPARE to the participants; each writes its vote (epoch 0: the owner's write, one fast-path
// commit) and answers VOTED; with every vote 'C' and the descriptor written, the transaction is
// committed: one WOR round trip (the votes, in parallel) inside one message round trip. The
// decision itself is not written anywhere: it follows from the registers.
//
// Recovery (resolve()): capture the descriptor; if empty, write VOID (the transaction aborts);
// else capture every vote register that is still empty and write 'A' into it. A capture pre-empts
// the owner's late epoch-0 write (it fails PREEMPTED), so whatever the resolver reads or writes is
// final. Two resolvers at once are safe (each register is written once); they may pre-empt each
// other and retry.

import { WorClient, WorError, type ReadResult } from './client.js';
import { SharedLog } from './log.js';
import { Reader, Writer } from '../codec.js';

export type Decision = 'commit' | 'abort';
export const VOTE_COMMIT = 0x43; // 'C'
export const VOTE_ABORT = 0x41; // 'A'
const DESC = 0x44; // 'D'
const VOID = 0x56; // 'V'

export type TxnMsg =
  | { t: 'prepare'; slot: number; index: number; n: number; coordinator: string }
  | { t: 'voted'; slot: number; index: number; vote: 'C' | 'A' }
  | { t: 'decide'; slot: number; decision: Decision };

/** How application processes talk (the campaign's bus, a real RPC layer) and wait. */
export interface TxnEnv {
  send(to: string, msg: TxnMsg): void;
  sleep(ns: number): Promise<void>;
  nowNs(): number;
  /** a draw in [0, 1) from the driver's seeded randomness: the jitter that keeps two resolvers of
   *  one register from pre-empting each other in lockstep forever (duelling proposers) */
  random(): number;
}

export interface TxnLayout {
  maxParticipants: number;
  slotsPerChunk: number;
}

export function slotSize(l: TxnLayout): number {
  return l.maxParticipants + 1;
}

export function encodeDescriptor(participants: string[]): Uint8Array {
  const w = new Writer().u8(DESC).u8(participants.length);
  for (const p of participants) w.str(p);
  return w.done();
}

export function decodeDescriptor(b: Uint8Array): string[] | 'void' {
  const r = new Reader(b);
  const k = r.u8();
  if (k === VOID) return 'void';
  if (k !== DESC) throw new Error('not a transaction descriptor');
  const out: string[] = [];
  for (let n = r.u8(); n > 0; n--) out.push(r.str());
  return out;
}

/** The outcome the registers decide (undefined: not yet decided: some register is still open). */
export function decide(desc: ReadResult, votes: ReadResult[]): Decision | undefined {
  if (desc.state !== 'value') return undefined;
  const d = decodeDescriptor(desc.value);
  if (d === 'void') return 'abort';
  let open = false;
  for (let i = 0; i < d.length; i++) {
    const v = votes[i];
    if (!v || v.state !== 'value') { open = true; continue; }
    if (v.value[0] !== VOTE_COMMIT) return 'abort';
  }
  return open ? undefined : 'commit';
}

/** Reads `addr`; when nothing was written, captures it and writes `filler` (retrying when pre-empted). Returns the final value. */
async function settle(wor: WorClient, env: TxnEnv, addr: number, filler: Uint8Array): Promise<Uint8Array> {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await wor.read(addr);
      if (r.state === 'value') return r.value;
      if (r.state === 'trimmed') throw new Error(`register ${addr} was trimmed`);
      const c = await wor.capture(addr);
      if (c.value) return c.value;
      const w = await wor.write(addr, filler, c.epoch);
      if (w.ok) return filler;
      if (w.reason === 'written') return w.value;
      // pre-empted by another resolver: back off (longer each time, jittered) and try again
    } catch (e) {
      if (!(e instanceof WorError) || e.kind === 'status') throw e;
      // not known whether it ran: read again
    }
    await env.sleep(2000 * Math.min(32, 2 ** Math.min(attempt, 5)) * (0.5 + env.random()));
  }
}

/** Finishes transaction `slot` from its registers alone: commits it or aborts it. */
export async function resolve(wor: WorClient, env: TxnEnv, slot: number): Promise<Decision> {
  const descV = await settle(wor, env, slot, Uint8Array.of(VOID));
  const d = decodeDescriptor(descV);
  if (d === 'void') return 'abort';
  let all = true;
  for (let i = 0; i < d.length; i++) {
    const v = await settle(wor, env, slot + 1 + i, Uint8Array.of(VOTE_ABORT));
    if (v[0] !== VOTE_COMMIT) all = false; // keep settling the rest: every register ends decided
  }
  return all ? 'commit' : 'abort';
}

/** The registers of `slot` (descriptor and votes), read once. */
export async function readTxn(wor: WorClient, slot: number, layout: TxnLayout): Promise<{ desc: ReadResult; votes: ReadResult[] }> {
  const desc = await wor.read(slot);
  const n = desc.state === 'value' ? (() => { const d = decodeDescriptor(desc.value); return d === 'void' ? 0 : d.length; })() : layout.maxParticipants;
  const votes: ReadResult[] = [];
  for (let i = 0; i < n; i++) votes.push(await wor.read(slot + 1 + i));
  return { desc, votes };
}

/** Every transaction slot any coordinator used, from the directory: chunk bases, then each chunk's used slots. */
export async function listSlots(wor: WorClient, directory: SharedLog, layout: TxnLayout): Promise<number[]> {
  const S = slotSize(layout);
  const { tail, trimmed } = await directory.tail();
  const slots: number[] = [];
  for (let p = trimmed; p < tail; p++) {
    const e = await directory.read(p);
    if (e.state !== 'value') continue;
    const chunk = new Reader(e.value).u32();
    const t = await wor.tail(chunk);
    const used = Math.ceil((t.tail - chunk) / S);
    for (let k = 0; k < Math.min(used, layout.slotsPerChunk); k++) slots.push(chunk + k * S);
  }
  return slots;
}

/** The recovery coordinator: finishes or aborts every transaction of every coordinator, from the WORs alone. */
export async function recoverAll(wor: WorClient, env: TxnEnv, directory: SharedLog, layout: TxnLayout): Promise<Map<number, Decision>> {
  const out = new Map<number, Decision>();
  for (const slot of await listSlots(wor, directory, layout)) out.set(slot, await resolve(wor, env, slot));
  return out;
}

export interface TxnResult {
  slot: number;
  decision: Decision;
  /** how it was decided: from the votes as they arrived, or by resolving the registers */
  via: 'votes' | 'resolve';
  latencyNs: number;
  /**
   * Sequential round trips on the path to the decision, as this run took them: `messages`
   * (PREPARE out, VOTED back: 1) and `wor` (replicated WOR commands the decision waited for one
   * after the other: the participants' vote writes, in parallel, count 1; a resolve adds each of
   * its commands). The descriptor write runs beside the votes and is not counted.
   */
  roundTrips: { messages: number; wor: number };
}

/** A transaction coordinator. Its state is volatile: after a crash, recoverAll() finishes its work. */
export class Coordinator {
  private chunk = 0;
  private nextSlot = 0;
  private readonly pending = new Map<number, { n: number; votes: Array<'C' | 'A' | undefined>; wake?: () => void }>();
  readonly stats = { begun: 0, committed: 0, aborted: 0, resolved: 0, chunks: 0 };

  constructor(
    readonly name: string,
    private readonly wor: WorClient,
    private readonly env: TxnEnv,
    private readonly directory: SharedLog,
    readonly layout: TxnLayout,
    /** wait this long for the votes before resolving the transaction from the registers */
    private readonly voteTimeoutNs: number,
  ) {}

  /** A message from a participant. */
  onMessage(msg: TxnMsg): void {
    if (msg.t !== 'voted') return;
    const p = this.pending.get(msg.slot);
    if (!p || msg.index >= p.n) return;
    p.votes[msg.index] = msg.vote;
    p.wake?.();
  }

  private async newChunk(): Promise<void> {
    const base = await this.wor.alloc(slotSize(this.layout) * this.layout.slotsPerChunk);
    await this.directory.append(new Writer().u32(base).done()); // recovery finds the chunk from here
    this.chunk = base;
    this.nextSlot = 0;
    this.stats.chunks++;
  }

  /** Runs one transaction over `participants` (at most layout.maxParticipants); resolves with its outcome. */
  async run(participants: string[]): Promise<TxnResult> {
    if (participants.length < 1 || participants.length > this.layout.maxParticipants) throw new Error(`a transaction has 1..${this.layout.maxParticipants} participants, not ${participants.length}`);
    if (!this.chunk || this.nextSlot >= this.layout.slotsPerChunk) await this.newChunk();
    const t0 = this.env.nowNs();
    const slot = this.chunk + this.nextSlot++ * slotSize(this.layout);
    this.stats.begun++;
    const n = participants.length;
    const st = { n, votes: new Array<'C' | 'A' | undefined>(n).fill(undefined), wake: undefined as (() => void) | undefined };
    this.pending.set(slot, st);
    participants.forEach((p, index) => this.env.send(p, { t: 'prepare', slot, index, n, coordinator: this.name }));
    // the descriptor, while the participants vote
    let descOk: boolean | undefined;
    const descWrite = this.wor.write(slot, encodeDescriptor(participants)).then((w) => { descOk = w.ok; st.wake?.(); }, () => { descOk = false; st.wake?.(); });
    const deadline = t0 + this.voteTimeoutNs;
    let decision: Decision | undefined;
    for (;;) {
      if (st.votes.includes('A')) { decision = 'abort'; break; }
      if (descOk === false) break;
      if (descOk && st.votes.every((v) => v === 'C')) { decision = 'commit'; break; }
      if (this.env.nowNs() >= deadline) break;
      await new Promise<void>((res) => {
        st.wake = res;
        void this.env.sleep(Math.max(1, Math.min(deadline - this.env.nowNs(), 5_000))).then(res);
      });
      st.wake = undefined;
    }
    let via: TxnResult['via'] = 'votes';
    const roundTrips = { messages: 1, wor: 1 };
    if (!decision) {
      via = 'resolve';
      this.stats.resolved++;
      const c0 = this.wor.stats.calls;
      decision = await resolve(this.wor, this.env, slot);
      roundTrips.wor += this.wor.stats.calls - c0;
    }
    void descWrite;
    this.pending.delete(slot);
    for (const p of participants) this.env.send(p, { t: 'decide', slot, decision });
    if (decision === 'commit') this.stats.committed++; else this.stats.aborted++;
    return { slot, decision, via, latencyNs: this.env.nowNs() - t0, roundTrips };
  }
}

/** What a participant keeps across its crashes (its own disk): the votes it wrote and the outcomes it applied. */
export interface ParticipantDisk {
  voted: Map<number, 'C' | 'A'>;
  applied: Map<number, Decision>;
  /** the coordinator of each transaction it voted in */
  coordinators: Map<number, string>;
}

export function newDisk(): ParticipantDisk {
  return { voted: new Map(), applied: new Map(), coordinators: new Map() };
}

/** A transaction participant: votes into its register, applies the outcome it learns (DECIDE or resolve). */
export class Participant {
  readonly stats = { prepares: 0, votes: 0, decides: 0, resolved: 0 };
  private readonly resolving = new Set<number>();
  onApply?: (slot: number, d: Decision) => void;
  /** an impossible outcome (two decisions for one transaction, a commit it did not vote for); absent: thrown */
  onViolation?: (msg: string) => void;

  constructor(
    readonly name: string,
    private readonly wor: WorClient,
    private readonly env: TxnEnv,
    readonly disk: ParticipantDisk,
    /** this participant's vote on a transaction */
    private readonly vote: (slot: number) => 'C' | 'A',
    /** wait this long for the outcome after voting before resolving it from the registers */
    private readonly decideTimeoutNs: number,
  ) {}

  /** After a restart: every transaction voted in and not applied is resolved after the timeout. */
  recover(): void {
    for (const slot of this.disk.voted.keys()) if (!this.disk.applied.has(slot)) this.watch(slot);
  }

  onMessage(msg: TxnMsg): void {
    if (msg.t === 'prepare') void this.prepare(msg);
    else if (msg.t === 'decide') {
      this.stats.decides++;
      if (this.disk.voted.has(msg.slot)) this.apply(msg.slot, msg.decision);
    }
  }

  private apply(slot: number, d: Decision): void {
    const had = this.disk.applied.get(slot);
    if (had !== undefined) {
      if (had !== d) this.violation(`participant ${this.name}: transaction ${slot} applied ${had}, now told ${d}`);
      return;
    }
    if (d === 'commit' && this.disk.voted.get(slot) !== 'C') { this.violation(`participant ${this.name}: commit of transaction ${slot} it did not vote for`); return; }
    this.disk.applied.set(slot, d);
    this.onApply?.(slot, d);
  }

  private violation(msg: string): void {
    if (this.onViolation) this.onViolation(msg);
    else throw new Error(msg);
  }

  private async prepare(m: Extract<TxnMsg, { t: 'prepare' }>): Promise<void> {
    this.stats.prepares++;
    const had = this.disk.voted.get(m.slot);
    if (had) { this.env.send(m.coordinator, { t: 'voted', slot: m.slot, index: m.index, vote: had }); return; }
    const v = this.vote(m.slot);
    // the vote is on this participant's disk before it is in the register (a WAL, as a database keeps)
    this.disk.voted.set(m.slot, v);
    this.disk.coordinators.set(m.slot, m.coordinator);
    this.stats.votes++;
    const addr = m.slot + 1 + m.index;
    const value = Uint8Array.of(v === 'C' ? VOTE_COMMIT : VOTE_ABORT);
    let written = false;
    for (let attempt = 0; attempt < 3 && !written; attempt++) {
      try {
        const w = await this.wor.write(addr, value);
        if (w.ok) written = true;
        else break; // pre-empted or written by a resolver: the registers decide; resolve below
      } catch (e) {
        if (!(e instanceof WorError) || e.kind === 'status') throw e;
        // indeterminate: writing the same value again is safe (a register takes it once)
      }
    }
    if (written) this.env.send(m.coordinator, { t: 'voted', slot: m.slot, index: m.index, vote: v });
    this.watch(m.slot, written ? this.decideTimeoutNs : 0);
  }

  /** Resolves `slot` if no outcome arrived within the timeout. */
  private watch(slot: number, delayNs = this.decideTimeoutNs): void {
    if (this.resolving.has(slot)) return;
    this.resolving.add(slot);
    void (async () => {
      if (delayNs > 0) await this.env.sleep(delayNs);
      if (!this.disk.applied.has(slot)) {
        this.stats.resolved++;
        this.apply(slot, await resolve(this.wor, this.env, slot));
      }
      this.resolving.delete(slot);
    })();
  }
}
