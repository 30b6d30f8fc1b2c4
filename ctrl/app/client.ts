// The KV client library: a session (client id, sequence numbers) so a retried request runs
// once, leader discovery by redirect, and timeouts that report an indeterminate outcome honestly.
// It is written against an abstract transport and takes time from its driver (`tick(nowNs)`),
// so it runs unchanged in the deterministic simulator.

import { decodeHeader, Flag, framePayload, MsgType as W } from '../wire/wire.gen.js';
import type { NodeId } from '../core/types.js';
import { decodeReply, encodeCommand, requestFrame, Status, type Command, type Reply } from './kv.js';

export interface ClientTransport {
  /** plane: set when the client chooses planes (ClientOptions.planes); absent: the transport decides */
  send(to: NodeId, frame: Uint8Array, plane?: number): void;
}

/**
 * How a client uses the network planes: 'spread' (each attempt on one plane, the next attempt on the
 * next), 'duplicate' (every attempt on every plane; the leader NIC sequences the first copy and drops
 * the others, docs/architecture.md "Request copies"), or one plane by number.
 */
export type ClientPlaneMode = 'spread' | 'duplicate' | number;
export const CLIENT_PLANE_MODES = "'spread' | 'duplicate' | a plane number";

/** Checks a plane mode against the plane count; returns the problem, naming `field` and the allowed values ('' when good). */
export function planeModeIssue(mode: unknown, planes: number, field = 'planes'): string {
  if (mode === 'spread' || mode === 'duplicate') return '';
  if (typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode < planes) return '';
  return `${field}: must be one of ${CLIENT_PLANE_MODES} (0..${planes - 1}), got ${JSON.stringify(mode)}`;
}

export type Outcome =
  /** `path`: who answered: the leader, or a replica under its read lease (a get with readFrom 'any'); `node`: which node */
  | { kind: 'ok'; reply: Reply; path: 'leader' | 'replica' | 'follower'; node: NodeId }
  /** no attempt can have executed (every attempt was refused by a non-leader) */
  | { kind: 'failed'; reason: string }
  /** the request may or may not have executed: we could not find out in time */
  | { kind: 'indeterminate'; reason: string };

export interface ClientOptions {
  clientId: number;      // >= 1 (0 is the control plane's)
  clusterId: number;
  /**
   * signs each REQ (frame authentication, docs/auth.md: the client key); the same bytes go on every
   * plane (copies of one request share its packet number)
   */
  sign?: (frame: Uint8Array) => Uint8Array;
  nodes: NodeId[];
  transport: ClientTransport;
  /** an attempt with no answer after this long counts as lost: the next one goes to the next node */
  attemptTimeoutNs: number;
  /** at most this many attempts per operation (Infinity: the time budget alone decides) */
  maxAttempts: number;
  /**
   * The retry budget in time: no new attempt of an operation starts once this much time has
   * passed since its first one (it then ends failed or indeterminate). Give it at least the
   * cluster's election timeout range (2 x the minimum timeout) plus a few attempt timeouts, so an
   * ordinary election does not end operations (default maxAttempts x attemptTimeoutNs).
   */
  retryBudgetNs?: number;
  /** ask the leader NIC to reply itself at commit (writes whose reply carries no value) */
  nicReplyForWrites?: boolean;
  /**
   * Follower replies (docs/architecture.md "Follower replies"): a write's first attempt asks the
   * follower NIC that REPLY_MASK gives this client id to reply when its commit index covers the
   * entry (FOLLOWER_REPLY; the leader's host then does not reply); later attempts ask as
   * nicReplyForWrites says, so a dead follower costs one attempt timeout, not the operation.
   */
  followerRepliesForWrites?: boolean;
  /**
   * After a refusal (NOT_LEADER) the next attempt waits: this long after the first refusal of an
   * operation, twice as long after each further refusal in a row, up to maxBackoffNs (default
   * attemptTimeoutNs / 4). Only a redirect to a named leader that has not refused this operation
   * yet is followed at once.
   */
  redirectBackoffNs?: number;
  /** the longest wait after a refusal (default attemptTimeoutNs) */
  maxBackoffNs?: number;
  /** jitter of the backoff, a draw in [0, 1) from the driver's seeded randomness (absent: none) */
  rand?: () => number;
  /**
   * The largest request payload the replicas' NICs accept (their MAX_PAYLOAD, default 256 bytes).
   * A larger command is refused at once (`failed`: never sent) instead of being sent, dropped by
   * every NIC as oversize and retried until the budget ends.
   */
  maxPayloadBytes?: number;
  /**
   * Where gets go first: 'leader' (default), or 'any': round robin over `nodes`, answered by a
   * follower under its read lease (docs/control-plane.md §6); a replica that refuses (no lease:
   * NOT_LEADER) or does not answer in time sends the get to the leader (`stats.readFallbacks`).
   */
  readFrom?: 'leader' | 'any';
  /**
   * The planes the client chooses (absent: the transport decides; it is given no plane): `count`
   * planes, used as `mode` says (ClientPlaneMode). Each copy is one transport.send with its plane.
   */
  planes?: { count: number; mode: ClientPlaneMode };
}

interface Op {
  cmd: Command;
  seq: number;
  done: (o: Outcome) => void;
  attempts: number;
  refused: number; // attempts answered NOT_LEADER (certainly not executed)
  deadline: number;
  target: NodeId;
  /** waiting out a redirect backoff: the next attempt goes out at this time */
  retryAt?: number;
  /** nodes that did not answer an attempt of this op */
  silent: Set<NodeId>;
  /** nodes that refused an attempt of this op (NOT_LEADER) */
  refusers: Set<NodeId>;
  /** time of the first attempt, and refusals in a row (the backoff doubles with each) */
  startNs: number;
  streak: number;
  /** attempts sent to each node: a reply names only (client, seq), so a NOT_LEADER from a node
   *  that got two attempts may answer the earlier one and proves nothing about the later */
  sentTo: Map<NodeId, number>;
  /** a get whose current attempt went to a replica picked round robin (readFrom 'any') */
  anyTarget?: boolean;
}

export class KvClient {
  private seq = 0;
  private leader: NodeId;
  private cur?: Op;
  private queue: { cmd: Command; done: (o: Outcome) => void }[] = [];
  private now = 0;
  stats = { sent: 0, retries: 0, redirects: 0, indeterminate: 0, readsByReplica: 0, readsByLeader: 0, readFallbacks: 0, copies: 0, followerReplies: 0 };
  private rr = 0;
  /** the next plane of an attempt (planes.mode 'spread') */
  private planeRr = 0;

  constructor(private o: ClientOptions) {
    if (o.clientId < 1) throw new Error('client id 0 is reserved');
    if (o.planes) {
      if (!(Number.isInteger(o.planes.count) && o.planes.count >= 1)) throw new Error(`planes.count: must be an integer >= 1, got ${o.planes.count}`);
      const bad = planeModeIssue(o.planes.mode, o.planes.count, 'planes.mode');
      if (bad) throw new Error(bad);
    }
    this.leader = o.nodes[0]!;
  }

  /** Submits a command; the callback fires once with its outcome. One command is in flight at a time. */
  invoke(cmd: Command, done: (o: Outcome) => void): void {
    this.queue.push({ cmd, done });
    if (!this.cur) this.next();
  }

  invokeAsync(cmd: Command): Promise<Outcome> {
    return new Promise((res) => this.invoke(cmd, res));
  }

  leaderGuess(): NodeId {
    return this.leader;
  }

  private next(): void {
    const q = this.queue.shift();
    if (!q) return;
    this.seq++; // numbered even when refused below: callers may count operations 1, 2, ...
    const bytes = encodeCommand(q.cmd).length;
    const max = this.o.maxPayloadBytes ?? 256;
    if (bytes > max) {
      q.done({ kind: 'failed', reason: `the ${q.cmd.op} command of ${bytes} bytes exceeds the NICs' MAX_PAYLOAD of ${max} bytes (not sent)` });
      this.next();
      return;
    }
    this.cur = {
      cmd: q.cmd, seq: this.seq, done: q.done, attempts: 0, refused: 0, deadline: 0, target: this.leader, silent: new Set(), sentTo: new Map(),
      refusers: new Set(), startNs: this.now, streak: 0,
    };
    this.attempt();
  }

  private attempt(): void {
    const op = this.cur!;
    op.attempts++;
    op.target = this.leader;
    op.anyTarget = false;
    if (op.attempts === 1 && op.cmd.op === 'get' && this.o.readFrom === 'any') {
      op.target = this.o.nodes[this.rr++ % this.o.nodes.length]!;
      op.anyTarget = op.target !== this.leader;
    }
    op.sentTo.set(op.target, (op.sentTo.get(op.target) ?? 0) + 1);
    op.deadline = this.now + this.o.attemptTimeoutNs;
    const write = op.cmd.op === 'put' || op.cmd.op === 'delete';
    const flags = !write ? 0
      : this.o.followerRepliesForWrites && op.attempts === 1 ? Flag.FOLLOWER_REPLY
      : this.o.nicReplyForWrites ? Flag.NIC_REPLY : 0;
    this.stats.sent++;
    const unsigned = requestFrame(this.o.clusterId, this.o.clientId, op.seq, op.target, op.cmd, flags);
    const frame = this.o.sign ? this.o.sign(unsigned) : unsigned;
    const pl = this.o.planes;
    if (!pl) { this.stats.copies++; this.o.transport.send(op.target, frame); return; }
    if (pl.mode === 'duplicate') {
      // every plane: whichever copy reaches the leader first is sequenced, the others are dropped
      for (let p = 0; p < pl.count; p++) { this.stats.copies++; this.o.transport.send(op.target, frame, p); }
      return;
    }
    const p = pl.mode === 'spread' ? this.planeRr++ % pl.count : pl.mode;
    this.stats.copies++;
    this.o.transport.send(op.target, frame, p);
  }

  private finish(out: Outcome): void {
    const op = this.cur!;
    this.cur = undefined;
    if (out.kind === 'indeterminate') this.stats.indeterminate++;
    op.done(out);
    this.next();
  }

  /** the retry budget in time (see ClientOptions.retryBudgetNs) */
  private budgetNs(): number {
    return this.o.retryBudgetNs ?? this.o.maxAttempts * this.o.attemptTimeoutNs;
  }

  /** the wait before the next attempt after `streak` refusals in a row */
  private backoffNs(streak: number): number {
    const base = this.o.redirectBackoffNs ?? this.o.attemptTimeoutNs / 4;
    const cap = Math.max(base, this.o.maxBackoffNs ?? this.o.attemptTimeoutNs);
    const d = Math.min(cap, base * 2 ** Math.min(30, Math.max(0, streak - 1)));
    return this.o.rand ? d * (0.5 + this.o.rand()) : d;
  }

  /**
   * Ends the operation when its attempts or its time budget are spent; otherwise the next attempt
   * goes out after `waitNs` (but no later than the end of the budget: the last attempt gets its
   * full attempt timeout).
   */
  private giveUpOrRetry(reason: string, waitNs = 0): void {
    const op = this.cur!;
    const budgetEnd = op.startNs + this.budgetNs();
    if (op.attempts >= this.o.maxAttempts || this.now >= budgetEnd) {
      const why = `${reason} after ${op.attempts} attempts in ${Math.round(this.now - op.startNs)} ns`;
      if (op.refused === op.attempts) this.finish({ kind: 'failed', reason: `${why}; every attempt was refused by a non-leader` });
      else this.finish({ kind: 'indeterminate', reason: why });
      return;
    }
    this.stats.retries++;
    const at = Math.min(this.now + waitNs, budgetEnd);
    if (at > this.now) {
      op.retryAt = at;
      return;
    }
    this.attempt(); // the same seq: if an earlier attempt executed, the session answers with its reply
  }

  tick(nowNs: number): void {
    this.now = Math.max(this.now, nowNs);
    const op = this.cur;
    if (!op) return;
    if (op.retryAt !== undefined) {
      if (this.now >= op.retryAt) {
        op.retryAt = undefined;
        this.attempt();
      }
      return;
    }
    if (this.now < op.deadline) return;
    if (op.anyTarget) {
      // a replica picked for a read did not answer: ask the leader (which did not fail)
      this.stats.readFallbacks++;
      this.giveUpOrRetry('timeout');
      return;
    }
    // no answer: try the next node (the leader may have failed)
    op.silent.add(op.target);
    const i = this.o.nodes.indexOf(this.leader);
    this.leader = this.o.nodes[(i + 1) % this.o.nodes.length]!;
    this.giveUpOrRetry('timeout');
  }

  receive(frame: Uint8Array, nowNs: number): void {
    this.now = Math.max(this.now, nowNs);
    let h;
    try { h = decodeHeader(frame); } catch { return; }
    const op = this.cur;
    if (h.type !== W.REPLY || h.clientId !== this.o.clientId || !op || h.seq !== op.seq) return; // stale or foreign
    const reply = decodeReply(framePayload(frame));
    if (reply.status === Status.NOT_LEADER) {
      if (op.retryAt !== undefined || h.srcNode !== op.target) return; // a late copy of an answer already handled
      if (op.anyTarget) {
        // a replica without a read lease: the leader answers (at once; a get changes nothing)
        this.stats.readFallbacks++;
        if (reply.leader && this.o.nodes.includes(reply.leader)) this.leader = reply.leader;
        this.giveUpOrRetry('replica refused');
        return;
      }
      // certainly not executed only if this node got a single attempt (see sentTo)
      if (op.sentTo.get(h.srcNode) === 1) op.refused++;
      this.stats.redirects++;
      op.refusers.add(h.srcNode);
      op.streak++;
      if (reply.leader === h.srcNode) {
        // the leader itself: busy (its fast path was frozen), the request did not run; retry there after a backoff
        this.giveUpOrRetry('leader busy', this.backoffNs(op.streak));
        return;
      }
      const known = !!reply.leader && this.o.nodes.includes(reply.leader);
      if (known) this.leader = reply.leader!;
      else this.leader = this.o.nodes[(this.o.nodes.indexOf(h.srcNode) + 1) % this.o.nodes.length]!;
      // a redirect to a named leader that has neither refused nor ignored this op is followed at
      // once; any other refusal (no leader named, or one that already refused or did not answer:
      // an election is on) waits, longer with each refusal in a row
      const fresh = known && !op.refusers.has(this.leader) && !op.silent.has(this.leader);
      this.giveUpOrRetry('not leader', fresh ? 0 : this.backoffNs(op.streak));
      return;
    }
    // a follower NIC's reply at commit (FOLLOWER_REPLY, copied from the entry): the leader is not its sender
    if ((h.flags & Flag.FOLLOWER_REPLY) !== 0 && reply.status === Status.OK && !reply.leader) {
      this.stats.followerReplies++;
      this.finish({ kind: 'ok', reply, path: 'follower', node: h.srcNode });
      return;
    }
    // a replica that answered under its read lease names the leader (docs/control-plane.md §6)
    const byReplica = !!reply.leader && reply.leader !== h.srcNode && reply.status !== Status.NOT_LEADER;
    if (byReplica) {
      if (this.o.nodes.includes(reply.leader!)) this.leader = reply.leader!;
      this.stats.readsByReplica++;
    } else {
      this.leader = h.srcNode;
      if (op.cmd.op === 'get') this.stats.readsByLeader++;
    }
    this.finish({ kind: 'ok', reply, path: byReplica ? 'replica' : 'leader', node: h.srcNode });
  }
}
