// NIC benchmark under faults (part of make bench-nic): a leader and two followers back to back on
// two planes, 100% offered load of one-beat frames (64-byte REQs; each leader RX port busy every cycle:
// frames from the followers first, else a new request sent on both planes), with 0%, 0.1% and 1%
// random loss on plane 1 only, and with plane 1 down. Writes bench/out/nic-faults.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { B2B_PAYLOAD_BYTES, B2bWorld, type B2bFaults } from '../sim/b2b.js';
import { ROOT } from '../native/build.js';
import { Csr, HDR_BYTES } from '../ctrl/wire/wire.gen.js';

const WARMUP = 5_000;
const CYCLES = Number(process.env.NIC_BENCH_CYCLES ?? 200_000);
const ACK_COUNT = 16, ACK_DELAY = 64;
const SEED = 7;

function run(faults: B2bFaults, ackCount = ACK_COUNT, ackDelay = ACK_DELAY) {
  const w = new B2bWorld({ mode: 'leader', followers: 2, ackCount, ackDelayCycles: ackDelay,
    hbIntervalCycles: 256, variant: { params: { PLANES: 2 } }, seed: SEED });
  w.setFaults(faults);
  w.run(WARMUP);
  const c0 = w.nic(0).csrRead(Csr.RAFT_COMMIT_INDEX);
  w.measure();
  w.run(CYCLES);
  const committed = w.nic(0).csrRead(Csr.RAFT_COMMIT_INDEX) - c0;
  const r = w.results();
  const lat = w.latency('leaderCommit');
  const rtx = w.nic(0).csrRead(Csr.COUNTERS_RETRANSMIT_TX_LO);
  const drops = [0, 1, 2].reduce((s, i) => s + w.nic(i).csrRead(Csr.COUNTERS_DROPPED_LO) - w.nic(i).csrRead(Csr.COUNTERS_DROP_PLANE_DUP_LO), 0);
  w.destroy();
  return {
    committedPerCycle: committed / CYCLES,
    offeredRequestsPerCycle: r.offered / (CYCLES + WARMUP),
    commitLatencyCycles: { p50: lat.p50, p99: lat.p99, p999: lat.p999, samples: lat.count },
    retransmitted: rtx, linkFramesLost: r.lost, dropsOtherThanPlaneCopies: drops,
  };
}

const cases = {
  loss0: run({}),
  loss0_1: run({ loss: [0, 0.001] }),
  loss1: run({ loss: [0, 0.01] }),
  planeDown: run({ planesDown: [1] }),
};
// The same 0.1% loss with coarser ACK coalescing: ACKs take less of the leader's ports (more
// requests per cycle) at the price of commit latency.
const coarse = { ackCount: 256, ackDelayCycles: 1024, ...run({ loss: [0, 0.001] }, 256, 1024) };
const base = cases.loss0.committedPerCycle;
const out = {
  config: { planes: 2, followers: 2, frameBytes: 60, ackCount: ACK_COUNT, ackDelayCycles: ACK_DELAY, warmupCycles: WARMUP,
    cycles: CYCLES, seed: SEED, load: '100% of each leader RX port: follower frames first, else a request on both planes' },
  ...Object.fromEntries(Object.entries(cases).map(([k, v]) => [k, { ...v, relativeToLoss0: v.committedPerCycle / base }])),
  loss0_1_ackCount256: coarse,
};
const file = join(ROOT, 'bench/out/nic-faults.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');

console.log(`nicraft NIC under faults: 2 planes, leader + 2 followers back to back, 100% offered load, ${HDR_BYTES + B2B_PAYLOAD_BYTES}-byte (one-beat) REQs`);
console.log('case        committed/cycle  vs no loss  commit p50  commit p99 (cycles)  retransmitted  lost on links');
for (const [k, v] of Object.entries(cases)) {
  console.log(`${k.padEnd(12)}${v.committedPerCycle.toFixed(3).padStart(15)}  ${(v.committedPerCycle / base).toFixed(3).padStart(10)}  ${String(v.commitLatencyCycles.p50).padStart(10)}  ${String(v.commitLatencyCycles.p99).padStart(10)}           ${String(v.retransmitted).padStart(12)}  ${String(v.linkFramesLost).padStart(13)}`);
}
console.log(`(the rest of each RX port carries the followers' ACKs: ${ACK_COUNT}-entry coalescing)`);
console.log(`0.1% loss, ACK coalescing 256: ${coarse.committedPerCycle.toFixed(3)} committed/cycle, commit p50 ${coarse.commitLatencyCycles.p50}, p99 ${coarse.commitLatencyCycles.p99} cycles`);
console.log(`wrote ${file}`);
