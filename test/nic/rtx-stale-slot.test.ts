// A leader NIC after a power loss must never retransmit a log RAM slot that does not hold the entry
// it means to send (found by the WOR campaign, seed 119; docs/wor.md, "Bugs found").
//
// A fresh NIC (power loss: log RAM slots all empty) becomes the leader of term 2 as the control plane
// installs one (docs/control-plane.md §4): the host writes its no-op through the log port at index 20
// and sets LAST_INDEX = TERM_START = 20; entries 1..19 are in the host's log, not in the NIC's RAM.
// Follower 1 is known to hold 1..19 (MATCH_INDEX 19), follower 2 nothing (match 0). Neither answers,
// so their retransmit timers expire again and again. The go-back-N engine used to check only how far
// behind an index is (within LOG_DEPTH of LAST_INDEX: "still in the RAM") and resent slots 1..19 as
// they were: empty, a 60-byte frame of zeros with a rewritten header, which a follower drops as
// DROP_BAD_ETHERTYPE and NACKs again. Now it compares the slot's tag (the index of the entry the slot
// holds) with the index it wants: entry 20 is resent to follower 1; for follower 2 it sends nothing,
// raises a needs-repair event naming follower 2 and index 1 (the host repairs from its own log) and
// counts every refusal in RETRANSMIT_STALE.
// The same with a slot that holds an entry of an earlier lap of the ring (index i - LOG_DEPTH, not i).
// Checked on the RTL and on ModelNic.
import { describe, expect, it } from 'vitest';
import { ModelNic } from '../../ctrl/nic/model.js';
import { VerilatedNic } from '../../ctrl/nic/verilated.js';
import type { HostFrame, Nic, TxFrame } from '../../ctrl/nic/nic.js';
import {
  Csr, decodeHeader, encodeFrame, ETHERTYPE, Flag, HDR_BYTES, HostReason, MsgType, nodeMac,
} from '../../ctrl/wire/wire.gen.js';

const RTO_CYCLES = 64;
const LOG_DEPTH = 1024;   // the default LOG_DEPTH_LOG2 = 10 of both NICs

const entry = (index: number, term: number, payloadBytes = 40): Uint8Array => encodeFrame(
  { dstMac: nodeMac(0xff), srcMac: nodeMac(0), type: MsgType.APPEND, clusterId: 1, flags: 0, srcNode: 0, dstNode: 0xff,
    term, logIndex: index, commitIndex: 0, clientId: 0, seq: 0 },
  new Uint8Array(payloadBytes).map((_, i) => (index * 13 + i) & 0xff),
);

/**
 * Installs node 0 as the leader of term 2 of three the way the control plane does after an election:
 * fast path off, the no-op at `last` through the log port, the registers, match indexes, fast path on.
 */
function install(n: Nic, last: number, match: readonly [number, number]): void {
  n.writeCsr(Csr.RAFT_FAST_EN, 0);
  n.logWrite(last, entry(last, 2));
  for (const [a, v] of [[Csr.RAFT_NODE_ID, 0], [Csr.RAFT_CLUSTER_ID, 1], [Csr.RAFT_TERM, 2], [Csr.RAFT_LEADER_ID, 0],
    [Csr.RAFT_MEMBERS, 7], [Csr.RAFT_QUORUM, 2], [Csr.RAFT_RTO, RTO_CYCLES], [Csr.RAFT_HB_INTERVAL, 1 << 30],
    [Csr.RAFT_TERM_START, last], [Csr.RAFT_LAST_INDEX, last], [Csr.RAFT_COMMIT_INDEX, last - 1],
    [Csr.RAFT_APPLIED_INDEX, last - 1], [Csr.RAFT_MATCH_SEL, 1], [Csr.RAFT_MATCH_INDEX, match[0]],
    [Csr.RAFT_MATCH_SEL, 2], [Csr.RAFT_MATCH_INDEX, match[1]], [Csr.RAFT_ROLE, 2], [Csr.RAFT_FAST_EN, 1]] as const) {
    n.writeCsr(a, v);
  }
  n.flush();
}

interface Run { sent: TxFrame[]; host: HostFrame[]; stale: bigint; repairs: bigint; retransmitted: bigint }

function run(n: Nic, cycles: number): Run {
  const before = n.readCounters();
  n.step(cycles);
  const after = n.readCounters();
  return {
    sent: n.pullTx(0), host: n.pollHost(),
    stale: after.RETRANSMIT_STALE - before.RETRANSMIT_STALE,
    repairs: after.NEEDS_REPAIR - before.NEEDS_REPAIR,
    retransmitted: after.RETRANSMIT_TX - before.RETRANSMIT_TX,
  };
}

/** The retransmitted frames, as (follower, index), and every one that is not a whole APPEND of that index in term 2. */
function retransmissions(sent: TxFrame[]): { to: number; index: number }[] {
  const out: { to: number; index: number }[] = [];
  for (const f of sent) {
    const h = decodeHeader(f.frame);
    if ((h.flags & Flag.RETRANSMIT) === 0) continue;
    out.push({ to: h.dstNode, index: h.logIndex });
  }
  return out;
}

function bad(sent: TxFrame[]): string[] {
  const why: string[] = [];
  for (const f of sent) {
    if (f.frame.length < HDR_BYTES) { why.push(`${f.frame.length}-byte frame at cycle ${f.cycle}`); continue; }
    const h = decodeHeader(f.frame);
    if ((h.flags & Flag.RETRANSMIT) === 0) continue;
    if (h.ethertype !== ETHERTYPE || h.type !== MsgType.APPEND || h.term !== 2) {
      why.push(`retransmission to n${h.dstNode} at cycle ${f.cycle}: ethertype 0x${h.ethertype.toString(16)}, type ${h.type}, term ${h.term}, index ${h.logIndex}`);
    }
  }
  return why;
}

const repairEvents = (host: HostFrame[]) => host.filter((f) => f.reason === HostReason.NEEDS_REPAIR)
  .map((f) => { const h = decodeHeader(f.frame); return { node: h.srcNode, index: h.logIndex }; });

describe.each([
  ['VerilatedNic (RTL)', () => new VerilatedNic({ seed: 1 })],
  ['ModelNic', () => new ModelNic()],
] as const)('%s: retransmission after a power loss (fresh log RAM)', (_name, make) => {
  it('resends only slots that hold the entry; a slot never written raises a needs-repair event and counts', () => {
    const n: Nic = make();
    try {
      install(n, 20, [19, 0]);
      const r = run(n, 20 * RTO_CYCLES);
      expect(bad(r.sent), 'retransmissions that are not APPENDs of term 2').toEqual([]);
      const rt = retransmissions(r.sent);
      // follower 1 lags by the no-op only: it gets entry 20, from its slot
      expect(rt.filter((x) => x.to === 1).length).toBeGreaterThan(0);
      expect(rt.filter((x) => x.to === 1 && x.index !== 20)).toEqual([]);
      // follower 2 lags from index 1: slots 1..19 were never written since the power loss, nothing is resent
      expect(rt.filter((x) => x.to === 2)).toEqual([]);
      // the host is told once (until follower 2's match index moves), with the index to repair from
      expect(repairEvents(r.host)).toEqual([{ node: 2, index: 1 }]);
      expect(r.repairs).toBe(1n);
      // every round refused counts (the timer keeps expiring, backing off: several rounds in 20 RTOs)
      expect(r.stale).toBeGreaterThanOrEqual(3n);
      expect(r.retransmitted).toBe(BigInt(rt.length));

      // the host repairs follower 2 from its own log (its frames), and the follower's ACKs move its
      // match index: modelled by MATCH_INDEX, as the control plane writes it after an AppendResp
      n.writeCsr(Csr.RAFT_MATCH_SEL, 2);
      n.writeCsr(Csr.RAFT_MATCH_INDEX, 19);
      n.flush();
      const r2 = run(n, 8 * RTO_CYCLES);
      expect(bad(r2.sent)).toEqual([]);
      const rt2 = retransmissions(r2.sent);
      expect(rt2.filter((x) => x.to === 2).length, 'entry 20 to follower 2 once it holds 1..19').toBeGreaterThan(0);
      expect(rt2.filter((x) => x.index !== 20)).toEqual([]);
      expect(r2.stale).toBe(0n);
    } finally {
      n.close();
    }
  });

  it('a slot that holds the entry of an earlier lap of the ring (index - LOG_DEPTH) is not resent as the later one', () => {
    const n: Nic = make();
    try {
      // slot 5 holds entry 5 (term 1), and LAST_INDEX is a lap later: the engine wants LOG_DEPTH + 5 for
      // follower 2 (within LOG_DEPTH of LAST_INDEX, "still in the RAM") and finds entry 5 there.
      n.logWrite(5, entry(5, 1));
      n.flush();
      const last = LOG_DEPTH + 10;
      install(n, last, [last - 1, LOG_DEPTH + 4]);
      const r = run(n, 12 * RTO_CYCLES);
      expect(bad(r.sent)).toEqual([]);
      const rt = retransmissions(r.sent);
      expect(rt.filter((x) => x.to === 2)).toEqual([]);
      expect(rt.filter((x) => x.to === 1 && x.index === last).length).toBeGreaterThan(0);
      expect(repairEvents(r.host)).toEqual([{ node: 2, index: LOG_DEPTH + 5 }]);
      expect(r.stale).toBeGreaterThanOrEqual(2n);
    } finally {
      n.close();
    }
  });
});
