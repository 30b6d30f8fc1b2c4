// STATUS.FROZEN against a frame in flight (fuzz seed 600914). The leader NIC sequences a REQ at its
// first beat and grows LAST_INDEX at its last; FAST_EN=0 written in between does not stop it. A
// sync that read LAST_INDEX then missed the request and the host wrote its own entry over it.
//
// A leader NIC (3 voters, nobody answers) gets one 4-beat REQ (200-byte payload); FAST_EN=0 is
// written at every cycle offset across its arrival, and the host then reads STATUS and LAST_INDEX
// pipelined, as the sync does, again until STATUS shows FROZEN. At every offset the LAST_INDEX read
// after FROZEN is the NIC's final one (what it reads 200 cycles later); at some offsets the first
// read lacked FROZEN and its LAST_INDEX missed the request (the race the bit closes). RTL and ModelNic.
import { describe, expect, it } from 'vitest';
import { ModelNic } from '../../ctrl/nic/model.js';
import { VerilatedNic } from '../../ctrl/nic/verilated.js';
import type { Nic } from '../../ctrl/nic/nic.js';
import { clientMac, Csr, encodeFrame, MsgType, nodeMac, StatusBit } from '../../ctrl/wire/wire.gen.js';

const PAYLOAD_BYTES = 200; // 244-byte frame: 4 beats

const req = (seq: number): Uint8Array => encodeFrame(
  { dstMac: nodeMac(0), srcMac: clientMac(1), type: MsgType.REQ, clusterId: 1, flags: 0, srcNode: 0xff, dstNode: 0,
    term: 0, logIndex: 0, commitIndex: 0, clientId: 1, seq },
  new Uint8Array(PAYLOAD_BYTES).map((_, i) => (seq + i) & 0xff),
);

interface Outcome { firstFrozen: boolean; firstLast: number; syncLast: number; finalLast: number; polls: number }

function run(make: () => Nic, at: number): Outcome {
  const n = make();
  try {
    for (const [a, v] of [[Csr.RAFT_NODE_ID, 0], [Csr.RAFT_TERM, 1], [Csr.RAFT_LEADER_ID, 0], [Csr.RAFT_MEMBERS, 7],
      [Csr.RAFT_QUORUM, 2], [Csr.RAFT_TERM_START, 1], [Csr.RAFT_ROLE, 2], [Csr.RAFT_FAST_EN, 1]] as const) n.writeCsr(a, v);
    n.flush();
    n.pushRx(0, [req(1)]);
    n.step(at);
    n.writeCsr(Csr.RAFT_FAST_EN, 0);
    // the sync's batch (nicsync.ts): STATUS then LAST_INDEX; LAST_INDEX counts only after FROZEN
    let [status, last] = n.readCsrs([Csr.RAFT_STATUS, Csr.RAFT_LAST_INDEX]) as [number, number];
    const firstFrozen = (status & StatusBit.FROZEN) !== 0;
    const firstLast = last;
    let polls = 0;
    while ((status & StatusBit.FROZEN) === 0 && polls < 64) {
      polls++;
      [status, last] = n.readCsrs([Csr.RAFT_STATUS, Csr.RAFT_LAST_INDEX]) as [number, number];
    }
    n.step(200);
    const finalLast = n.readCsr(Csr.RAFT_LAST_INDEX);
    return { firstFrozen, firstLast, syncLast: (status & StatusBit.FROZEN) !== 0 ? last : -1, finalLast, polls };
  } finally {
    n.close();
  }
}

describe.each([
  ['VerilatedNic (RTL)', () => new VerilatedNic({ seed: 1 })],
  ['ModelNic', () => new ModelNic()],
] as const)('%s: FAST_EN=0 while a REQ is half sequenced', (name, make) => {
  it('the LAST_INDEX read after STATUS.FROZEN is final at every offset; a read without it misses the REQ at some', () => {
    const wrong: string[] = [];
    const raced: number[] = [];
    let sequenced = 0;
    for (let at = 0; at < 48; at++) {
      const o = run(make as () => Nic, at);
      if (o.finalLast === 1) sequenced++;
      if (o.syncLast !== o.finalLast) wrong.push(`offset ${at}: LAST_INDEX ${o.syncLast} after FROZEN (${o.polls} polls), final ${o.finalLast}`);
      if (!o.firstFrozen && o.firstLast < o.finalLast) raced.push(at);
    }
    expect(wrong, `${name}: LAST_INDEX read after FROZEN that was not final`).toEqual([]);
    // the sweep covers both outcomes: REQs sequenced before FAST_EN fell, and REQs punted after
    expect(sequenced).toBeGreaterThan(0);
    expect(sequenced).toBeLessThan(48);
    // the race: FAST_EN=0 landed between the REQ's first and last beats, a plain read saw LAST_INDEX 0
    console.log(`${name}: offsets where a LAST_INDEX read without FROZEN missed the sequenced REQ: ${raced.join(', ')}`);
    expect(raced.length).toBeGreaterThan(0);
  });
});
