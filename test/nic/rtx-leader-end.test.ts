// Leader mode ends (FAST_EN or ROLE cleared by the host, as a check-quorum step-down does) while the
// go-back-N engine is retransmitting a multi-beat APPEND (issue #15, bug 1). It used to stop between
// two beats: the retransmit FIFO kept half a frame, the TX arbiter stayed locked on it and nothing
// left the NIC again (when it led again, its first frame was a malformed mix of two). Now the frame
// in flight is finished and the engine stops at the frame's end.
//
// A leader (node 0) of three with two followers that never answer: its retransmit timers expire
// and it resends its 3-beat APPENDs (100-byte payloads) to each follower in turn. The clear is swept
// over every cycle offset across the first retransmission round; after each, the NIC must still send
// (a host frame leaves, and once it leads again, new APPENDs and retransmissions leave), and every
// frame it sent must be whole (its length is what its header says). Checked on the RTL and on ModelNic.
import { describe, expect, it } from 'vitest';
import { ModelNic } from '../../ctrl/nic/model.js';
import { VerilatedNic } from '../../ctrl/nic/verilated.js';
import type { Nic, TxFrame } from '../../ctrl/nic/nic.js';
import {
  clientMac, Csr, decodeHeader, encodeFrame, Flag, HDR_BYTES, MIN_FRAME_BYTES, MsgType, nodeMac,
} from '../../ctrl/wire/wire.gen.js';

const RTO_CYCLES = 64;
const PAYLOAD_BYTES = 100;   // 144-byte frames: 3 beats
const ENTRIES = 4;

const req = (seq: number): Uint8Array => encodeFrame(
  { dstMac: nodeMac(0), srcMac: clientMac(1), type: MsgType.REQ, clusterId: 1, flags: 0, srcNode: 0xff, dstNode: 0,
    term: 0, logIndex: 0, commitIndex: 0, clientId: 1, seq },
  new Uint8Array(PAYLOAD_BYTES).map((_, i) => (seq * 7 + i) & 0xff),
);
const hostFrame = (seq: number): Uint8Array => encodeFrame(
  { dstMac: nodeMac(1), srcMac: nodeMac(0), type: MsgType.CONTROL, clusterId: 1, flags: 0, srcNode: 0, dstNode: 1,
    term: 1, logIndex: 0, commitIndex: 0, clientId: 0, seq }, new Uint8Array(80).fill(seq & 0xff));

function leader(n: Nic): void {
  for (const [a, v] of [[Csr.RAFT_NODE_ID, 0], [Csr.RAFT_TERM, 1], [Csr.RAFT_LEADER_ID, 0], [Csr.RAFT_MEMBERS, 7],
    [Csr.RAFT_QUORUM, 2], [Csr.RAFT_RTO, RTO_CYCLES], [Csr.RAFT_HB_INTERVAL, 1 << 30], [Csr.RAFT_ROLE, 2],
    [Csr.RAFT_FAST_EN, 1]] as const) n.writeCsr(a, v);
  n.flush();
}

/** A frame is whole when its length is what its header says (nicraft frames are padded to 60 bytes). */
function malformed(f: TxFrame): string | null {
  if (f.frame.length < HDR_BYTES) return `${f.frame.length}-byte frame`;
  const h = decodeHeader(f.frame);
  const want = Math.max(MIN_FRAME_BYTES, HDR_BYTES + h.payloadLen);
  return f.frame.length === want ? null : `${f.frame.length}-byte frame, header says ${want} (type ${h.type}, cycle ${f.cycle})`;
}

interface Outcome { sent: TxFrame[]; hostOut: boolean; resumed: boolean; bad: string | null }

/** The run with the clear written at cycle `at` (relative to the start of the traffic). */
function run(make: () => Nic, what: 'FAST_EN' | 'ROLE', at: number | null, probe = false): Outcome & { rtxCycles: number[] } {
  const n = make();
  try {
    leader(n);
    const t0 = n.cycle;
    n.pushRx(0, Array.from({ length: ENTRIES }, (_, i) => req(i + 1)));
    const sent: TxFrame[] = [];
    const rtxCycles: number[] = [];
    const take = () => {
      for (const f of n.pullTx(0)) {
        sent.push(f);
        if (f.frame.length >= HDR_BYTES && (decodeHeader(f.frame).flags & Flag.RETRANSMIT) !== 0) rtxCycles.push(f.cycle - t0);
      }
    };
    if (at !== null) {
      n.step(at);
      take();
      if (what === 'FAST_EN') n.writeCsr(Csr.RAFT_FAST_EN, 0);
      else n.writeCsr(Csr.RAFT_ROLE, 1);
    }
    n.step(probe ? 600 : 300);
    take();
    // the host still gets its frames out
    const before = sent.length;
    n.sendHost(hostFrame(1));
    n.step(200);
    take();
    const hostOut = sent.slice(before).some((f) => f.frame.length >= HDR_BYTES && decodeHeader(f.frame).type === MsgType.CONTROL);
    // leading again: a new entry is sequenced and sent, and the lagging followers get retransmissions
    if (what === 'FAST_EN') n.writeCsr(Csr.RAFT_FAST_EN, 1);
    else n.writeCsr(Csr.RAFT_ROLE, 2);
    const mark = sent.length;
    n.pushRx(0, [req(ENTRIES + 1)]);
    n.step(8 * RTO_CYCLES);
    take();
    const after = sent.slice(mark).map((f) => decodeHeader(f.frame));
    const resumed = after.some((h) => h.type === MsgType.APPEND && h.logIndex === ENTRIES + 1 && (h.flags & Flag.RETRANSMIT) === 0)
      && after.some((h) => h.type === MsgType.APPEND && (h.flags & Flag.RETRANSMIT) !== 0);
    let bad: string | null = null;
    for (const f of sent) bad ??= malformed(f);
    return { sent, hostOut, resumed, bad, rtxCycles };
  } finally {
    n.close();
  }
}

describe.each([
  ['VerilatedNic (RTL)', () => new VerilatedNic({ seed: 1 })],
  ['ModelNic', () => new ModelNic()],
] as const)('%s: leader mode ends during a retransmission', (name, make) => {
  // where the first retransmission round runs: from a run without the clear
  const probe = run(make as () => Nic, 'FAST_EN', null, true);
  const first = probe.rtxCycles[0] ?? 0;

  it('the retransmission under test happens (multi-beat retransmitted APPENDs)', () => {
    expect(probe.rtxCycles.length, 'retransmitted APPENDs without a clear').toBeGreaterThanOrEqual(2 * ENTRIES);
    expect(probe.bad).toBeNull();
  });

  for (const what of ['FAST_EN', 'ROLE'] as const) {
    it(`${what} cleared at every cycle across the first retransmission round: frames still leave, all whole`, () => {
      // the round's frames leave 3 cycles apart; cover it from a little before its first beat to after its last
      const from = first - 3 * ENTRIES - 8;
      const failed: number[] = [];
      const why: string[] = [];
      for (let k = 0; k < 40; k++) {
        const at = from + k;
        const o = run(make as () => Nic, what, at);
        const problems = [!o.hostOut && 'no host frame left', !o.resumed && 'no APPEND or retransmission after leading again', o.bad]
          .filter((x): x is string => typeof x === 'string');
        if (problems.length) {
          failed.push(at);
          why.push(`clear at cycle ${at}: ${problems.join('; ')}`);
        }
      }
      expect(failed, `${name}: ${what} clear offsets that wedged or malformed TX:\n${why.join('\n')}`).toEqual([]);
    });
  }
});
