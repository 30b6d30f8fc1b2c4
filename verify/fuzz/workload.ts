// The campaign's client workload: KvClients (the real client library, ctrl/app/client.ts), one
// operation in flight each, over keys k0..k(K-1), recording a history for the linearizability
// checker. Values are unique per write (`<client>.<n>`), so the checker's search stays narrow.
// The transport is abstract: the ModelNic world gives it client ports (sim/model-world.ts).

import { KvClient, type Outcome } from '../../ctrl/app/client.js';
import { Status, decodeCommand, decodeReply } from '../../ctrl/app/kv.js';
import { decodeHeader, framePayload, MsgType as W } from '../../ctrl/wire/wire.gen.js';
import { HistoryRecorder } from '../check/types.js';
import type { NodeId } from '../../ctrl/core/types.js';
import type { FuzzWorkload } from './schedule.js';
import { Draw } from './schedule.js';

/**
 * Every key's value stays within this many bytes, so that a cas request (12 + key + expected +
 * value bytes) always fits the NICs' MAX_PAYLOAD of 256 bytes, and a reply carrying the value
 * (7 + value) does too. The KV store itself sets no limit: appends can grow a value that no cas
 * can name as its expected value (the client refuses such a request: KvClient.maxPayloadBytes;
 * before, every NIC dropped it as oversize and the client retried until its budget ended).
 */
export const KEY_VALUE_LIMIT = 228;

export interface ClientNet {
  readonly planes: number;
  send(k: number, plane: number, frame: Uint8Array): void;
  poll(k: number): Uint8Array[];
  nowNs(): number;
  /** a read at replica `port` without the log (Replica.readLocal: lease or ReadIndex); absent: not offered */
  readAt?(port: number, key: string, done: (r: { value: Uint8Array | undefined; via: string }) => void): boolean;
}

interface Client {
  k: number;
  id: number;
  kv: KvClient;
  busy: boolean;
  nextNs: number;
  plane: number;
  /** the value this client last saw for each key (for cas) */
  seen: Map<string, string | null>;
  /** the session sequence number of the next operation (KvClient numbers its operations 1, 2, ...) */
  seq: number;
  /** value sizes (draw 2): this client's own draws */
  sizes?: Draw;
}

const te = new TextEncoder();
const td = new TextDecoder();

export class FuzzClients {
  readonly recorder: HistoryRecorder;
  readonly outcomes = { ok: 0, fail: 0, indeterminate: 0 };
  private readonly clients: Client[] = [];
  private readonly rand: Draw;
  private running = false;
  private counter = 0;
  /** liveness probe: the first ok completion of an operation invoked at or after `markNs` */
  private markNs = Infinity;
  firstOkAfterMarkNs: number | undefined;
  /**
   * Operations the client library reported `failed` ("every attempt was refused by a non-leader:
   * certainly not executed"), as (client id, seq). The history records them as indeterminate
   * (a refusal proves only that one copy of one attempt was not sequenced); the campaign checks
   * the claim against what the replicas applied.
   */
  readonly failedClaims: Array<{ clientId: number; seq: number; op: string; key: string }> = [];
  /**
   * Client operations that did not end ok (failed or indeterminate): (client id, seq) and their
   * index in the history. One that no replica ever applied had no effect and can be dropped
   * from the history (campaign.ts).
   */
  readonly unresolved: Array<{ clientId: number; seq: number; index: number }> = [];
  /** pending final reads */
  finalPending = 0;
  finalFailed = 0;

  /** trace every frame a client sends or receives (the detailed log of a failing seed's rerun) */
  trace?: (line: string) => void;

  /** reads without the log, by how they were answered */
  readonly readsVia = { lease: 0, quorum: 0, follower: 0, refused: 0 };
  /** gets of the client library by who answered them (readFrom 'any': replicas under read leases) */
  readonly getsBy = { leader: 0, replica: 0 };
  /** writes answered by a follower NIC's REPLY (follower replies, KvClient path 'follower') */
  followerReplies(): number {
    let n = 0;
    for (const c of this.clients) n += c.kv.stats.followerReplies;
    return n;
  }
  private localReads = 0;

  /** per key: the append bytes ever issued (with the longest put, a bound on its value: KEY_VALUE_LIMIT) */
  private readonly appended = new Map<string, number>();

  constructor(private readonly net: ClientNet, private readonly nodes: NodeId[], readonly w: FuzzWorkload, seed: number, clientIdBase = 0) {
    this.rand = new Draw(seed * 31 + 7);
    this.recorder = new HistoryRecorder({ model: 'kv', clock: () => Math.round(net.nowNs()) });
    for (let k = 0; k < w.clients; k++) {
      const c: Client = { k, id: clientIdBase + k + 1, busy: false, nextNs: 0, plane: k % net.planes, seen: new Map(), seq: 0, kv: undefined as unknown as KvClient };
      // draw 2 (a payload is drawn): value sizes and the backoff jitter from the client's own draws
      if (w.payload) c.sizes = new Draw(seed * 131 + k * 7 + 3);
      const jitter = c.sizes ? new Draw(seed * 137 + k * 11 + 5) : undefined;
      c.kv = new KvClient({
        clientId: c.id, clusterId: 1, nodes, attemptTimeoutNs: w.attemptTimeoutUs * 1000, maxAttempts: w.maxAttempts || Infinity,
        ...(w.retryBudgetUs !== undefined ? { retryBudgetNs: w.retryBudgetUs * 1000 } : {}),
        ...(jitter ? { rand: () => jitter.next() } : {}),
        ...(w.readFrom ? { readFrom: w.readFrom } : {}),
        ...(w.followerReplies ? { followerRepliesForWrites: true } : {}),
        transport: {
          send: (to, frame) => {
            if (w.clientPlanes === 'duplicate') {
              // every attempt on every plane: the leader NIC sequences the first copy and drops the others
              if (this.trace) this.trace(`c${c.id} -> n${to} every plane: ${frameText(frame)}`);
              for (let p = 0; p < this.net.planes; p++) this.net.send(k, p, frame);
              return;
            }
            // one plane per attempt, rotating: a retry goes out on the next plane
            if (this.trace) this.trace(`c${c.id} -> n${to} plane ${c.plane}: ${frameText(frame)}`);
            this.net.send(k, c.plane, frame);
            c.plane = (c.plane + 1) % this.net.planes;
          },
        },
      });
      this.clients.push(c);
    }
  }

  start(): void { this.running = true; }
  stop(): void { this.running = false; }
  busy(): number { return this.clients.filter((c) => c.busy).length; }
  stats(): { sent: number; retries: number; redirects: number } {
    let sent = 0, retries = 0, redirects = 0;
    for (const c of this.clients) { sent += c.kv.stats.sent; retries += c.kv.stats.retries; redirects += c.kv.stats.redirects; }
    return { sent, retries, redirects };
  }

  /** From now on, record the first ok completion of an operation invoked from now. */
  markLiveness(): void {
    this.markNs = this.net.nowNs();
    this.firstOkAfterMarkNs = undefined;
  }

  /** Called at every host poll: deliver frames, run client timers, issue new operations. */
  poll(): void {
    const now = this.net.nowNs();
    for (const c of this.clients) {
      for (const f of this.net.poll(c.k)) {
        if (this.trace) this.trace(`c${c.id} <- ${frameText(f)}`);
        c.kv.receive(f, now);
      }
      c.kv.tick(now);
      if (this.running && !c.busy && now >= c.nextNs) this.issue(c);
    }
  }

  private done(c: Client, o: Outcome, invokeNs: number, seq = 0, index = -1): void {
    if (o.kind !== 'ok' && index >= 0) this.unresolved.push({ clientId: c.id, seq, index });
    if (this.trace) this.trace(`c${c.id} outcome ${o.kind}${o.kind === 'ok' ? ` status ${o.reply.status}` : `: ${o.reason}`}`);
    if (o.kind === 'ok') {
      this.outcomes.ok++;
      if (invokeNs >= this.markNs && this.firstOkAfterMarkNs === undefined) this.firstOkAfterMarkNs = this.net.nowNs();
    } else if (o.kind === 'failed') this.outcomes.fail++;
    else this.outcomes.indeterminate++;
    c.busy = false;
    c.nextNs = this.net.nowNs() + this.w.thinkUs * 1000 * (0.5 + this.rand.next());
  }

  /** The longest put/cas value of this workload (a tag alone in 'small' mode). */
  private maxValue(): number {
    return Math.max(16, this.w.payload?.maxValueBytes ?? 0);
  }

  /** A write's value: the unique tag `<client>.<n>`, padded to the drawn size (draw 2). */
  private sized(c: Client, tag: string, room: number): string {
    const p = this.w.payload;
    if (!p || !c.sizes || p.mode === 'small') return tag;
    const max = Math.min(p.maxValueBytes, room);
    const want = Math.round(p.mode === 'large' ? c.sizes.range(0.75, 1) * max : c.sizes.range(0, 1) * max);
    if (want <= tag.length + 1) return tag;
    const fill = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let pad = '';
    for (let i = 0; pad.length < want - tag.length - 1; i++) pad += fill[(tag.length * 7 + i) % fill.length];
    return `${tag}.${pad}`;
  }

  /** An append of `bytes` to `key` keeps its value within KEY_VALUE_LIMIT (draw 2; draw 1 sets no bound). */
  private appendFits(key: string, bytes: number): boolean {
    if (!this.w.payload) return true;
    return (this.appended.get(key) ?? 0) + bytes <= KEY_VALUE_LIMIT - this.maxValue();
  }

  private issue(c: Client): void {
    const key = `k${this.rand.int(this.w.keys)}`;
    const x = this.rand.next();
    const r = this.recorder;
    const tag = `${c.id}.${++this.counter}`;
    const val = this.sized(c, tag, this.maxValue());
    const t0 = this.net.nowNs();
    c.busy = true;
    // the KvClient's session numbers its operations 1, 2, ... (reads without the log are not its)
    const seqOf = (): number => ++c.seq;
    let seq = 0;
    const claim = (op: string): void => { this.failedClaims.push({ clientId: c.id, seq, op, key }); };
    if (x < this.w.readShare && this.net.readAt && this.rand.next() < (this.w.localReadShare ?? 0)) {
      // a read at a replica without the log: usually the one this client believes leads
      const any = this.w.readFrom === 'any';
      const port = !any && this.rand.next() < 0.8 ? c.kv.leaderGuess() - 1 : this.rand.int(this.nodes.length);
      const pid = 100_000 + ++this.localReads;
      const id = r.invoke(pid, { op: 'get', key });
      const sent = this.net.readAt(port, key, (res) => {
        if (res.via === 'refused') { r.fail(id); this.readsVia.refused++; }
        else {
          r.ok(id, res.value ? td.decode(res.value) : null);
          if (res.via === 'lease') this.readsVia.lease++; else if (res.via === 'follower') this.readsVia.follower++; else this.readsVia.quorum++;
        }
      });
      if (!sent) { r.fail(id); this.readsVia.refused++; }
      c.busy = false;
      c.nextNs = t0 + this.w.thinkUs * 1000 * (0.5 + this.rand.next());
      return;
    }
    if (x < this.w.readShare) {
      const id = r.invoke(c.id, { op: 'get', key });
      seq = seqOf();
      c.kv.invoke({ op: 'get', key }, (o) => {
        if (o.kind === 'ok') {
          const v = o.reply.value ? td.decode(o.reply.value) : null;
          if (o.path !== 'follower') this.getsBy[o.path]++;
          r.ok(id, v);
          c.seen.set(key, v);
        } else {
          if (o.kind === 'failed') claim('get');
          r.info(id);
        }
        this.done(c, o, t0, seq, id);
      });
      return;
    }
    let y = (x - this.w.readShare) / (1 - this.w.readShare);
    // an append that could grow the key's value past KEY_VALUE_LIMIT is a put instead
    if (y >= 0.45 && y < 0.7 && !this.appendFits(key, tag.length + 1)) y = 0;
    if (y < 0.45) {
      const id = r.invoke(c.id, { op: 'put', key, value: val });
      seq = seqOf();
      c.kv.invoke({ op: 'put', key, value: te.encode(val) }, (o) => {
        if (o.kind === 'ok') { r.ok(id); c.seen.set(key, val); } else { if (o.kind === 'failed') claim('put'); r.info(id); }
        this.done(c, o, t0, seq, id);
      });
    } else if (y < 0.7) {
      // appends carry the tag alone (their bytes add up in the key's value)
      const v = ` ${this.w.payload ? tag : val}`;
      if (this.w.payload) this.appended.set(key, (this.appended.get(key) ?? 0) + v.length);
      const id = r.invoke(c.id, { op: 'append', key, value: v });
      seq = seqOf();
      c.kv.invoke({ op: 'append', key, value: te.encode(v) }, (o) => {
        if (o.kind === 'ok') r.ok(id); else { if (o.kind === 'failed') claim('append'); r.info(id); }
        this.done(c, o, t0, seq, id);
      });
    } else if (y < 0.8) {
      const id = r.invoke(c.id, { op: 'delete', key });
      seq = seqOf();
      c.kv.invoke({ op: 'delete', key }, (o) => {
        // a delete of an absent key answers NOT_FOUND: it still executed (no effect either way)
        if (o.kind === 'ok') { r.ok(id); c.seen.set(key, null); } else { if (o.kind === 'failed') claim('delete'); r.info(id); }
        this.done(c, o, t0, seq, id);
      });
    } else {
      const seen = c.seen.get(key);
      const expected = seen === undefined ? null : seen;
      // the request carries the expected value too: the new one gets the room that is left
      const cv = this.w.payload ? this.sized(c, tag, 242 - key.length - (expected?.length ?? 0)) : val;
      const id = r.invoke(c.id, { op: 'cas', key, value: [expected, cv] });
      seq = seqOf();
      c.kv.invoke({ op: 'cas', key, expected: expected === null ? null : te.encode(expected), value: te.encode(cv) }, (o) => {
        if (o.kind === 'ok') {
          if (o.reply.status === Status.OK) { r.ok(id); c.seen.set(key, cv); }
          else {
            r.fail(id);
            if (o.reply.status === Status.CAS_FAILED) c.seen.set(key, o.reply.value ? td.decode(o.reply.value) : null);
          }
        } else {
          // not `fail`: for a cas, the checker reads `fail` as "the comparison failed"
          if (o.kind === 'failed') claim('cas');
          r.info(id);
        }
        this.done(c, o, t0, seq, id);
      });
    }
  }

  /** Reads every key once through client 0 (after the workload stopped and every client is idle). */
  finalReads(): void {
    const c = this.clients[0]!;
    this.finalPending = this.w.keys;
    for (let k = 0; k < this.w.keys; k++) {
      const key = `k${k}`;
      const id = this.recorder.invoke(c.id, { op: 'get', key });
      c.busy = true;
      c.seq++;
      c.kv.invoke({ op: 'get', key }, (o) => {
        if (o.kind === 'ok') { this.recorder.ok(id, o.reply.value ? td.decode(o.reply.value) : null); this.outcomes.ok++; }
        else {
          this.finalFailed++;
          this.recorder.info(id);
        }
        if (--this.finalPending === 0) c.busy = false;
      });
    }
  }
}

/** A REQ or REPLY frame in one line (traces). */
export function frameText(f: Uint8Array): string {
  try {
    const h = decodeHeader(f);
    if (h.type === W.REPLY) {
      const r = decodeReply(framePayload(f));
      return `REPLY from n${h.srcNode} seq ${h.seq} index ${h.logIndex} t${h.term} status ${r.status}${r.leader !== undefined ? ` leader ${r.leader}` : ''}`;
    }
    if (h.type === W.REQ) {
      const c = decodeCommand(framePayload(f));
      return `REQ seq ${h.seq} ${c.op} ${'key' in c ? c.key : ''}`;
    }
    return `type ${h.type}`;
  } catch {
    return 'undecodable';
  }
}
