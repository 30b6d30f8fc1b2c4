// The KV store (ctrl/app/kv.ts, unchanged) on a chain node's host (docs/replication-modes.md, "The
// object model both protocols refine"): the application of chain mode, as ctrl/driver/replica.ts is
// leader mode's.
//
//   deliver: every entry appended to the node's persisted log (ChainNodeEnv.persisted: the NIC's
//            committed deliveries and catch-ups, in index order, exactly once) is applied to the store,
//            on every node of the chain.
//   reply:   the TAIL's host answers the clients after applying an entry, with the reply frame the
//            leader-mode host sends (kv.ts replyFrame: status, value, the head named as the leader),
//            through `nic.sendHost`: every get (gets go through the log: sequenced by the head like a
//            write, so the answer is the state at the get's log position, linearizable by
//            construction), every append / cas, and writes whose client did not ask a NIC to reply.
//            A put / delete flagged FOLLOWER_REPLY or NIC_REPLY (not a duplicate) was answered by a NIC
//            at its commit already (the tail's REPLY_MASK 0xFF, the head's NIC_REPLY): as the
//            leader-mode host, no second reply. A duplicate (a client's resend sequenced again) is
//            answered from the session table.
//   reads:   (read leases, ChainNode.readFloor) a get a NIC punted to a member that holds a read lease is
//            answered by that member's host without the log, from its store once it applied its NIC's
//            LAST_INDEX as it was when the get came (docs/replication-modes.md, "Reads without the log").
//   redirect: a REQ a NIC punted to this host (a middle or the tail: NOT_LEADER; a frozen node: its
//            ROLE is 0) is answered NOT_LEADER naming the head of the last configuration this node was
//            installed in (itself when it is that head: "busy, retry here"; unknown, 0, when it knows
//            none), so the unchanged client library (ctrl/app/client.ts) finds the head.
//
// Which node is the tail: the node's last installed configuration (ChainNode.lastOrder, kept while it
// is frozen for the next change); the app replies while it is the tail of that order (also while
// frozen: any entry it applied is committed, so any answer it gives is right; whom it answers decides
// only who is answered once). After a crash the node knows no order until it is installed again (it
// rejoins at the tail).
//
// Crashes: the store is the host's volatile state. On a crash it is dropped; on a restart it is
// rebuilt by applying the node's persisted log (ChainNode.committed, which survives the crash, like
// a disk) from index 1; then the persisted entries that follow are applied as they come. (The
// persisted() hook does not give again what was persisted before a crash, so the rebuild is needed.)
//
// The node id 0 caveat: the reply encoding's `leader` 0 means "unknown" (kv.ts Reply.leader, and the
// client library treats it so), and a chain world numbers its nodes from 0 (sim/chain-world.ts): a
// redirect to node 0 would read as "leader unknown" (the client then tries the next node of its list,
// after its backoff: it finds the head all the same, slowly). `clientNodeId` says how the clients name
// a node (default: its node id); sim/chain-kv.ts names node i as i + 1 and translates the header ids
// at the clients' transport.

import { KvStore, Status, decodeCommand, replyFrame, type Applied, type Command, type KvCommand, type Reply } from '../app/kv.js';
import { Flag, MsgType, decodeHeader, framePayload, getTerm } from '../wire/wire.gen.js';
import type { HostFrame, Nic } from '../nic/nic.js';
import type { ChainNode } from './node.js';

export interface ChainKvAppOptions {
  clusterId?: number;
  /** the id the clients know node `node` by, in a reply's `leader` field (default: the node id; never 0) */
  clientNodeId?: (node: number) => number;
  /**
   * A deliberate bug (tests of the check): 'local-reads' answers a get punted to a node that is not
   * the head from the node's current state, without the log (a read at any node, CRAQ without the
   * clean/dirty versions): stale, since the tail's NIC answers a write before any host applied it.
   * 'reads-no-floor': reads under a lease answered at once, without waiting for the NIC's LAST_INDEX to
   * be applied. (A lease held too long is the master's bug, ChainMasterOptions.mutation 'no-lease-wait',
   * found by the lease invariant of sim/chain-world.ts.)
   */
  mutation?: 'local-reads' | 'reads-no-floor';
}

export interface ChainKvStats {
  applied: number;
  /** replies the host sent after applying (gets, appends, cas, writes no NIC answered, duplicates) */
  replies: number;
  /** NOT_LEADER redirects sent for punted REQs */
  redirects: number;
  /** of them, naming this node (the head, frozen: "busy, retry here") */
  busy: number;
  /** entries applied again from the persisted log after a restart */
  rebuilt: number;
  restarts: number;
  /** persisted entries that did not continue the store's applied index (never expected) */
  gaps: number;
  /** gets answered without the log (mutation 'local-reads' only) */
  localReads: number;
  /** gets answered without the log under a read lease (at once, or after waiting for the floor) */
  leaseReads: number;
  leaseReadsWaited: number;
}

/** The application side of sim/chain-world.ts's ChainApp (structurally: ctrl does not import sim). */
export class ChainKvApp {
  kv = new KvStore();
  readonly stats: ChainKvStats = { applied: 0, replies: 0, redirects: 0, busy: 0, rebuilt: 0, restarts: 0, gaps: 0, localReads: 0, leaseReads: 0, leaseReadsWaited: 0 };
  /** gets under a read lease waiting for the store to apply their floor, in arrival order (the floors do
   *  not decrease while the node stays installed; after a change a later one may wait behind an earlier) */
  private pendingReads: Array<{ clientId: number; seq: number; cmd: KvCommand; floor: number }> = [];
  private up = true;
  private readonly clusterId: number;

  constructor(private readonly host: { nic: Nic; nodeId: number }, readonly chain: ChainNode, private readonly o: ChainKvAppOptions = {}) {
    this.clusterId = o.clusterId ?? 1;
  }

  /** the order of the last configuration this node was installed in (null: none since its start or restart) */
  get order(): readonly number[] | null { return this.chain.lastOrder; }
  get epoch(): number { return this.chain.lastEpoch; }

  get nodeId(): number { return this.host.nodeId; }
  /** the head of the last configuration this node was installed in (-1: none known) */
  head(): number { return this.order?.[0] ?? -1; }
  /** the head as the clients name it in a reply's `leader` (0: unknown) */
  private headName(): number {
    const head = this.head();
    if (head < 0) return 0;
    return this.o.clientNodeId ? this.o.clientNodeId(head) : head;
  }
  /** this node answers the clients: the tail of the last configuration it was installed in */
  isTail(): boolean { return this.up && this.order !== null && this.order[this.order.length - 1] === this.host.nodeId; }

  /** ChainNodeEnv.persisted: entries [from, from + frames.length) appended to the persisted log. */
  persisted(from: number, frames: readonly Uint8Array[]): void {
    if (!this.up) return;
    const replies: Uint8Array[] = [];
    const tail = this.isTail();
    for (let k = 0; k < frames.length; k++) {
      const index = from + k;
      const frame = frames[k]!;
      if (index !== this.kv.appliedIndex + 1) {
        if (index <= this.kv.appliedIndex) continue;
        this.stats.gaps++;
      }
      const a = this.kv.apply({ index, term: getTerm(frame), frame });
      this.stats.applied++;
      if (!a || !tail) continue;
      const r = this.replyFor(a, frame, index);
      if (r) replies.push(r);
    }
    // reads under a lease whose floor the store has reached
    while (this.pendingReads.length && this.pendingReads[0]!.floor <= this.kv.appliedIndex) {
      const r = this.pendingReads.shift()!;
      replies.push(this.readReply(r.clientId, r.seq, r.cmd));
    }
    if (replies.length) {
      this.stats.replies += replies.length;
      this.host.nic.sendHost(replies);
    }
  }

  /** A get answered from the store now (index 0: no entry of the log answers it). */
  private readReply(clientId: number, seq: number, cmd: KvCommand): Uint8Array {
    this.stats.leaseReads++;
    return replyFrame(this.clusterId, this.host.nodeId, clientId, seq, 0, this.epoch, { ...this.kv.execute(cmd), leader: this.headName() });
  }

  /**
   * A get punted to this node: answered without the log when the node holds a read lease (at once when
   * the store applied the floor, else when it does); false: no lease (or not a get), the caller redirects.
   */
  private leaseRead(frame: Uint8Array, clientId: number, seq: number, out: Uint8Array[]): boolean {
    const mut = this.o.mutation;
    let c: Command;
    try { c = decodeCommand(framePayload(frame)); } catch { return false; }
    if (c.op !== 'get') return false;
    const cmd: KvCommand = c;
    const floor = this.chain.readFloor();
    if (floor === null) return false;
    if (mut === 'reads-no-floor' || floor <= this.kv.appliedIndex) {
      out.push(this.readReply(clientId, seq, cmd));
      return true;
    }
    this.stats.leaseReadsWaited++;
    this.pendingReads.push({ clientId, seq, cmd, floor });
    return true;
  }

  /** The tail's reply for an applied entry (undefined: a NIC answered it at commit). */
  private replyFor(a: Applied, frame: Uint8Array, index: number): Uint8Array | undefined {
    const h = decodeHeader(frame);
    if ((h.flags & (Flag.NIC_REPLY | Flag.FOLLOWER_REPLY)) !== 0 && !a.duplicate && isWrite(frame)) return undefined;
    // the head named as the leader (the client sends its next request there); the tail's own id when it is the head too
    const reply: Reply = { ...a.reply, leader: this.headName() };
    return replyFrame(this.clusterId, this.host.nodeId, a.clientId, a.seq, index, this.epoch, reply);
  }

  /** Host RX frames other than committed entries (punts): REQs get a NOT_LEADER redirect. */
  onHostFrames(frames: HostFrame[]): void {
    if (!this.up) return;
    const out: Uint8Array[] = [];
    for (const f of frames) {
      let h;
      try { h = decodeHeader(f.frame); } catch { continue; }
      if (h.type !== MsgType.REQ || h.clusterId !== this.clusterId || h.clientId === 0) continue;
      const me = this.host.nodeId;
      const head = this.head();
      if (this.o.mutation !== 'local-reads' && this.leaseRead(f.frame, h.clientId, h.seq, out)) continue;
      if (this.o.mutation === 'local-reads' && head !== me) {
        const local = this.localGet(f.frame);
        if (local) {
          this.stats.localReads++;
          out.push(replyFrame(this.clusterId, me, h.clientId, h.seq, 0, this.epoch, { ...local, leader: this.headName() }));
          continue;
        }
      }
      this.stats.redirects++;
      if (head === me) this.stats.busy++;
      out.push(replyFrame(this.clusterId, me, h.clientId, h.seq, 0, this.epoch, { status: Status.NOT_LEADER, leader: this.headName() }));
    }
    if (out.length) this.host.nic.sendHost(out);
  }

  /** mutation 'local-reads': a get answered from this node's state now. */
  private localGet(frame: Uint8Array): Reply | undefined {
    try {
      const c = decodeCommand(framePayload(frame));
      return c.op === 'get' ? this.kv.execute(c) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The host process stopped: its state is gone (the persisted log survives in the ChainNode). */
  onCrash(): void {
    this.up = false;
    this.kv = new KvStore();
    this.pendingReads = [];
  }

  /** The host restarted (after ChainNode.restart()): the store is rebuilt from the persisted log. */
  onRestart(): void {
    this.up = true;
    this.stats.restarts++;
    this.kv = new KvStore();
    const log = this.chain.committed;
    for (let i = 0; i < log.length; i++) {
      this.kv.apply({ index: i + 1, term: getTerm(log[i]!), frame: log[i]! });
      this.stats.rebuilt++;
    }
  }
}

/** A put or delete (the writes a NIC answers at commit without a value; as ctrl/driver/replica.ts). */
function isWrite(frame: Uint8Array): boolean {
  try {
    const c = decodeCommand(framePayload(frame));
    return c.op === 'put' || c.op === 'delete';
  } catch {
    return true;
  }
}
