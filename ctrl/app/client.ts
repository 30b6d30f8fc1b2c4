// The KV client library: a session (client id, sequence numbers) so a retried request runs
// once, leader discovery by redirect, and timeouts that report an indeterminate outcome honestly.
// It is written against an abstract transport and takes time from its driver (`tick(nowNs)`),
// so it runs unchanged in the deterministic simulator.

import { decodeHeader, framePayload, MsgType as W } from '../wire/wire.gen.js';
import type { NodeId } from '../core/types.js';
import { decodeReply, requestFrame, Status, type Command, type Reply } from './kv.js';

export interface ClientTransport {
  send(to: NodeId, frame: Uint8Array): void;
}

export type Outcome =
  | { kind: 'ok'; reply: Reply }
  /** no attempt can have executed (every attempt was refused by a non-leader) */
  | { kind: 'failed'; reason: string }
  /** the request may or may not have executed: we could not find out in time */
  | { kind: 'indeterminate'; reason: string };

export interface ClientOptions {
  clientId: number;      // >= 1 (0 is the control plane's)
  clusterId: number;
  nodes: NodeId[];
  transport: ClientTransport;
  attemptTimeoutNs: number;
  maxAttempts: number;
  /** ask the leader NIC to reply itself at commit (writes whose reply carries no value) */
  nicReplyForWrites?: boolean;
  /** after a NOT_LEADER reply that names no leader (an election is on), wait this long before the
   *  next attempt instead of bouncing between replicas (default attemptTimeoutNs / 4) */
  redirectBackoffNs?: number;
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
  /** attempts sent to each node: a reply names only (client, seq), so a NOT_LEADER from a node
   *  that got two attempts may answer the earlier one and proves nothing about the later */
  sentTo: Map<NodeId, number>;
}

export class KvClient {
  private seq = 0;
  private leader: NodeId;
  private cur?: Op;
  private queue: { cmd: Command; done: (o: Outcome) => void }[] = [];
  private now = 0;
  stats = { sent: 0, retries: 0, redirects: 0, indeterminate: 0 };

  constructor(private o: ClientOptions) {
    if (o.clientId < 1) throw new Error('client id 0 is reserved');
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
    this.seq++;
    this.cur = { cmd: q.cmd, seq: this.seq, done: q.done, attempts: 0, refused: 0, deadline: 0, target: this.leader, silent: new Set(), sentTo: new Map() };
    this.attempt();
  }

  private attempt(): void {
    const op = this.cur!;
    op.attempts++;
    op.target = this.leader;
    op.sentTo.set(op.target, (op.sentTo.get(op.target) ?? 0) + 1);
    op.deadline = this.now + this.o.attemptTimeoutNs;
    const write = op.cmd.op === 'put' || op.cmd.op === 'delete';
    const flags = this.o.nicReplyForWrites && write ? 1 : 0;
    this.stats.sent++;
    this.o.transport.send(op.target, requestFrame(this.o.clusterId, this.o.clientId, op.seq, op.target, op.cmd, flags));
  }

  private finish(out: Outcome): void {
    const op = this.cur!;
    this.cur = undefined;
    if (out.kind === 'indeterminate') this.stats.indeterminate++;
    op.done(out);
    this.next();
  }

  private giveUpOrRetry(reason: string, backoff = false): void {
    const op = this.cur!;
    if (op.attempts >= this.o.maxAttempts) {
      if (op.refused === op.attempts) this.finish({ kind: 'failed', reason: `${reason}; every attempt was refused by a non-leader` });
      else this.finish({ kind: 'indeterminate', reason: `${reason} after ${op.attempts} attempts` });
      return;
    }
    this.stats.retries++;
    if (backoff) {
      op.retryAt = this.now + (this.o.redirectBackoffNs ?? this.o.attemptTimeoutNs / 4);
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
      // certainly not executed only if this node got a single attempt (see sentTo)
      if (op.sentTo.get(h.srcNode) === 1) op.refused++;
      this.stats.redirects++;
      if (reply.leader === h.srcNode) {
        // the leader itself: busy (its fast path was frozen), the request did not run; retry there soon
        this.giveUpOrRetry('leader busy', true);
        return;
      }
      const known = !!reply.leader && this.o.nodes.includes(reply.leader);
      if (known) this.leader = reply.leader!;
      else this.leader = this.o.nodes[(this.o.nodes.indexOf(h.srcNode) + 1) % this.o.nodes.length]!;
      // a redirect to a node that just did not answer this op: the election has not ended yet
      this.giveUpOrRetry('not leader', !known || op.silent.has(this.leader));
      return;
    }
    this.leader = h.srcNode;
    this.finish({ kind: 'ok', reply });
  }
}
