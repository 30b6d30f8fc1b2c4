// A host write of APPLIED_INDEX while the NIC is in the middle of delivering a multi-beat committed
// entry to the host RX queue. It used to restart the delivery at beat 0 and leave the half frame
// in the queue without its last beat: the host RX stream lost its framing and every later punt was
// dropped (PUNT_FULL). The daemon's tests found it. Now a frame once started is delivered to its
// end and the write takes effect then. Checked on the RTL and on ModelNic, at every write offset.
import { describe, expect, it } from 'vitest';
import { ModelNic } from '../../ctrl/nic/model.js';
import { VerilatedNic } from '../../ctrl/nic/verilated.js';
import type { HostFrame, Nic } from '../../ctrl/nic/nic.js';
import { clientMac, Csr, decodeHeader, encodeFrame, HDR_BYTES, HostReason, MsgType, nodeMac } from '../../ctrl/wire/wire.gen.js';

const req = (seq: number, bytes: number): Uint8Array => encodeFrame(
  { dstMac: nodeMac(0), srcMac: clientMac(1), type: MsgType.REQ, clusterId: 1, flags: 0, srcNode: 0xff, dstNode: 0, term: 0, logIndex: 0, commitIndex: 0, clientId: 1, seq },
  new Uint8Array(bytes).map((_, i) => (seq + i) & 0xff),
);

function run(make: () => Nic, offset: number): { frames: HostFrame[]; applied: number } {
  const n = make();
  try {
    // a leader alone (quorum 1): every REQ commits at once and goes to the host, 4 beats each
    for (const [a, v] of [[Csr.RAFT_NODE_ID, 0], [Csr.RAFT_TERM, 1], [Csr.RAFT_MEMBERS, 1], [Csr.RAFT_QUORUM, 1],
      [Csr.RAFT_ROLE, 2], [Csr.RAFT_FAST_EN, 1], [Csr.RAFT_HB_INTERVAL, 1 << 30]] as const) n.writeCsr(a, v);
    n.flush();
    n.pushRx(0, [req(1, 200)]);
    n.step(offset);
    n.writeCsr(Csr.RAFT_APPLIED_INDEX, 0); // the host rewinds delivery (as recovery does)
    n.step(60);
    n.pushRx(0, [req(2, 200)]);
    n.step(80);
    const frames = n.pollHost();
    return { frames, applied: n.readCsr(Csr.RAFT_APPLIED_INDEX) };
  } finally {
    n.close();
  }
}

describe.each([
  ['ModelNic', () => new ModelNic()],
  ['VerilatedNic (RTL)', () => new VerilatedNic({ seed: 1 })],
] as const)('%s: APPLIED_INDEX written during a delivery', (_name, make) => {
  it('every host frame stays whole and delivery goes on, whatever the cycle of the write', () => {
    for (let offset = 0; offset < 24; offset++) {
      const { frames, applied } = run(make as () => Nic, offset);
      for (const f of frames) {
        const h = decodeHeader(f.frame);
        expect(f.frame.length, `offset ${offset}`).toBe(HDR_BYTES + h.payloadLen);
        expect(f.reason, `offset ${offset}`).toBe(HostReason.COMMITTED);
      }
      const idx = frames.map((f) => decodeHeader(f.frame).logIndex);
      // entry 1 once or twice (the rewind delivers it again), then entry 2
      expect(idx[idx.length - 1], `offset ${offset}: ${idx.join(',')}`).toBe(2);
      expect(applied, `offset ${offset}`).toBe(2);
    }
  });
});
