// NIC benchmark (make bench-nic): throughput and latency of the RTL fast path at 100% offered load
// of minimum-size frames, and simulation speed through the TypeScript binding vs a plain C++ loop.
//
// Two back-to-back worlds (native/world_b2b.cpp), zero-delay links, one frame per cycle offered:
//  - leader: a leader and two followers; the leader's RX port carries, every cycle, a follower ACK
//    when one is waiting and otherwise a new client REQ (so requests + ACKs = 100% of the port);
//  - follower: one follower fed one APPEND per cycle by a synthetic leader.
// Latencies are exact cycle counts (histograms in C++), over every request after the warm-up.
//
// Payload sweep (payloadSweep[]): the same two worlds with frames of 64 to 1,518 bytes, built with
// MAX_PAYLOAD 1474 (a log slot holds a 1,518-byte frame). The port carries one beat every cycle
// (frames back to back, no gap); what counts is whether the pipeline takes every beat offered:
//  - leader: offered = the beats into its RX port (REQs and the followers' ACKs), taken = the beats of
//    the REQs it sequenced plus the ACKs it counted; also the beats it delivered to its host;
//  - follower: offered = the APPEND beats into its RX port, taken = the beats of the APPENDs it
//    accepted into its log; also the beats it delivered to its host.
// drops: every frame a NIC of the world dropped (DROPPED) and every TX copy it dropped.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { B2B_PAYLOAD_BYTES, B2bWorld, type Latency } from '../sim/b2b.js';
import { ROOT, libraryPath } from '../native/build.js';
import { Csr, HDR_BYTES } from '../ctrl/wire/wire.gen.js';

const CLOCK_MHZ = 250;
const WARMUP = 2_000;
const LEADER_CYCLES = Number(process.env.NIC_BENCH_CYCLES ?? 300_000);
const FOLLOWER_CYCLES = Number(process.env.NIC_BENCH_CYCLES ?? 200_000);
const CHUNK = 10_000;
const ACK_COUNT = 2;      // follower ACK coalescing used for the headline figures
const SPEED_REPEATS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function counter(w: B2bWorld, node: number, lo: number): number {
  const n = w.nic(node);
  return n.csrRead(lo) + n.csrRead(lo + 4) * 2 ** 32;
}

/** The RTL variant of the payload sweep: a log slot (and every buffer) holds a 1,518-byte frame. */
const SWEEP_MAX_FRAME_BYTES = 1518;
const SWEEP_VARIANT = { params: { MAX_PAYLOAD: SWEEP_MAX_FRAME_BYTES - HDR_BYTES } };
const SWEEP_FRAME_BYTES = [64, 128, 256, 512, 1024, SWEEP_MAX_FRAME_BYTES];
const SWEEP_CYCLES = Number(process.env.NIC_BENCH_SWEEP_CYCLES ?? 100_000);

function dropsOf(w: B2bWorld): number {
  let d = 0;
  for (let i = 0; i < w.nodes; i++) d += counter(w, i, Csr.COUNTERS_DROPPED_LO) + counter(w, i, Csr.COUNTERS_PLANE0_TX_DROPS_LO);
  return d;
}

/** One point of the payload sweep: `frameBytes`-byte frames at 100% offered load of the port. */
function sweepRun(mode: 'leader' | 'follower', frameBytes: number, cycles: number) {
  const payloadBytes = frameBytes - HDR_BYTES;
  const beats = Math.ceil(frameBytes / 64);
  const w = new B2bWorld({ mode, followers: 2, ackCount: ACK_COUNT, ackDelayCycles: 16, payloadBytes, variant: SWEEP_VARIANT });
  const snap = () => {
    const n = w.nic(0);
    return {
      inBeats: n.stats().ports[0]!.inBeats,
      taken: mode === 'leader'
        ? counter(w, 0, Csr.COUNTERS_REQ_SEQUENCED_LO) * beats + counter(w, 0, Csr.COUNTERS_ACK_RX_LO)
        : counter(w, 0, Csr.COUNTERS_APPEND_ACCEPTED_LO) * beats,
      host: counter(w, 0, Csr.COUNTERS_COMMITTED_LO) * beats,
    };
  };
  w.run(WARMUP);
  const a = snap();
  const d0 = dropsOf(w);
  for (let done = 0; done < cycles; done += CHUNK) w.run(Math.min(CHUNK, cycles - done));
  const b = snap();
  const out = {
    mode, frameBytes, beatsPerFrame: beats,
    offeredBeatsPerCycle: (b.inBeats - a.inBeats) / cycles,
    beatsPerCycle: (b.taken - a.taken) / cycles,
    hostBeatsPerCycle: (b.host - a.host) / cycles,
    ratio: 0,
    drops: dropsOf(w) - d0,
  };
  out.ratio = out.beatsPerCycle / out.offeredBeatsPerCycle;
  w.destroy();
  return out;
}

function leaderRun(ackCount: number, cycles: number) {
  const w = new B2bWorld({ mode: 'leader', followers: 2, ackCount, ackDelayCycles: 16 });
  w.run(WARMUP);
  w.measure();
  const t0 = performance.now();
  for (let done = 0; done < cycles; done += CHUNK) w.run(CHUNK);
  const seconds = (performance.now() - t0) / 1000;
  const r = w.results();
  const out = {
    framesPerCycle: r.framesInLeader / cycles,
    requestsPerCycle: (r.framesInLeader - 0) / cycles,
    committedPerCycle: 0,
    drops: counter(w, 0, Csr.COUNTERS_DROPPED_LO) + counter(w, 1, Csr.COUNTERS_DROPPED_LO) + counter(w, 2, Csr.COUNTERS_DROPPED_LO),
    leaderAppend: w.latency('leaderAppend'),
    leaderCommit: w.latency('leaderCommit'),
    cyclesPerSec: cycles / seconds,
    acksIn: r.acksIn,
  };
  out.requestsPerCycle = out.leaderAppend.count / cycles;
  out.committedPerCycle = out.leaderCommit.count / cycles;
  w.destroy();
  return out;
}

function followerRun(cycles: number) {
  const w = new B2bWorld({ mode: 'follower', ackCount: ACK_COUNT, ackDelayCycles: 16 });
  w.run(WARMUP);
  w.measure();
  w.run(cycles);
  const r = w.results();
  const out = {
    framesPerCycle: r.framesInFollower / cycles,
    drops: counter(w, 0, Csr.COUNTERS_DROPPED_LO),
    followerAck: w.latency('followerAck'),
  };
  w.destroy();
  return out;
}

function cppLoop(cycles: number): number {
  const lib = libraryPath();
  const dir = dirname(lib);
  const exe = join(dir, 'bench_loop');
  const src = join(ROOT, 'native/bin/bench_loop.cpp');
  if (!existsSync(exe) || statSync(exe).mtimeMs < statSync(src).mtimeMs) {
    execFileSync('g++', ['-O2', '-std=c++17', src, '-o', exe, `-L${dir}`, '-lnicraft_sim', `-Wl,-rpath,${dir}`], { stdio: 'inherit' });
  }
  const out = execFileSync(exe, ['0', '2', String(ACK_COUNT), String(WARMUP), String(cycles), String(CHUNK)], { encoding: 'utf8' });
  return (JSON.parse(out) as { cyclesPerSec: number }).cyclesPerSec;
}

const pick = (l: Latency) => ({ p50: l.p50, p99: l.p99, p999: l.p999, max: l.max, samples: l.count });

const leader = leaderRun(ACK_COUNT, LEADER_CYCLES);
const follower = followerRun(FOLLOWER_CYCLES);

// Simulation speed, side by side in one run: alternate TypeScript-driven and plain C++ runs.
const tsSpeeds: number[] = [leader.cyclesPerSec];
const cppSpeeds: number[] = [];
for (let i = 0; i < SPEED_REPEATS; i++) {
  cppSpeeds.push(cppLoop(LEADER_CYCLES));
  if (i > 0) tsSpeeds.push(leaderRun(ACK_COUNT, LEADER_CYCLES).cyclesPerSec);
}
const tsCyclesPerSec = median(tsSpeeds);
const cppCyclesPerSec = median(cppSpeeds);

// How ACK coalescing trades request share of the leader's port against commit latency.
const sweep = [1, 2, 4, 8].map((k) => {
  const r = leaderRun(k, 100_000);
  return { ackCount: k, requestsPerCycle: r.requestsPerCycle, commitP50: r.leaderCommit.p50, commitP99: r.leaderCommit.p99 };
});

// Frame sizes from 64 to 1,518 bytes, leader and follower, at 100% offered load.
const payloadSweep = SWEEP_FRAME_BYTES.flatMap((fb) => [sweepRun('leader', fb, SWEEP_CYCLES), sweepRun('follower', fb, SWEEP_CYCLES)]);

const result = {
  config: {
    clockMHz: CLOCK_MHZ, dataWidthBits: 512, frameBytes: HDR_BYTES + B2B_PAYLOAD_BYTES, payloadBytes: B2B_PAYLOAD_BYTES, followers: 2, ackCount: ACK_COUNT,
    ackDelayCycles: 16, warmupCycles: WARMUP, leaderCycles: LEADER_CYCLES, followerCycles: FOLLOWER_CYCLES,
    offeredLoad: '1 frame per cycle on the leader RX port (ACKs first, else a REQ); 1 APPEND per cycle at the follower',
    seed: 1,
  },
  leader: {
    framesPerCycle: leader.framesPerCycle, requestsPerCycle: leader.requestsPerCycle,
    committedPerCycle: leader.committedPerCycle, drops: leader.drops,
  },
  follower: { framesPerCycle: follower.framesPerCycle, drops: follower.drops },
  latencyCycles: {
    leaderAppend: pick(leader.leaderAppend),
    followerAck: pick(follower.followerAck),
    leaderCommit: pick(leader.leaderCommit),
  },
  simSpeed: {
    tsCyclesPerSec, cppCyclesPerSec, ratio: tsCyclesPerSec / cppCyclesPerSec, nics: 3,
    tsRuns: tsSpeeds, cppRuns: cppSpeeds,
  },
  ackCoalescingSweep: sweep,
  payloadSweepConfig: {
    variant: SWEEP_VARIANT.params, frameBytes: SWEEP_FRAME_BYTES, cycles: SWEEP_CYCLES, warmupCycles: WARMUP,
    ackCount: ACK_COUNT, followers: 2,
    offeredLoad: 'the RX port carries a beat every cycle, frames back to back (leader: ACKs first, else a REQ; follower: APPENDs)',
    beatsPerCycle: 'leader: beats of the REQs sequenced + ACKs counted; follower: beats of the APPENDs accepted into the log',
    hostBeatsPerCycle: 'beats of the committed entries delivered to the host',
    atLineRate: 'beatsPerCycle >= 0.99 x offeredBeatsPerCycle with 0 drops',
  },
  payloadSweep: payloadSweep.map((r) => ({
    mode: r.mode, frameBytes: r.frameBytes, beatsPerFrame: r.beatsPerFrame,
    offeredBeatsPerCycle: r.offeredBeatsPerCycle, beatsPerCycle: r.beatsPerCycle, ratio: r.ratio,
    hostBeatsPerCycle: r.hostBeatsPerCycle, drops: r.drops,
    atLineRate: r.ratio >= 0.99 && r.drops === 0,
  })),
};

const outFile = join(ROOT, 'bench/out/nic.json');
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');

const ns = (c: number) => (c * 1000 / CLOCK_MHZ).toFixed(0);
const f2 = (x: number) => x.toFixed(2);
console.log(`nicraft NIC benchmark: 512-bit datapath at ${CLOCK_MHZ} MHz, 60-byte frames, 100% offered load, ACK coalescing ${ACK_COUNT}`);
console.log('');
console.log('throughput                    frames/cycle   drops');
console.log(`  leader  (REQs + ACKs in)    ${f2(result.leader.framesPerCycle).padStart(12)}   ${result.leader.drops}`);
console.log(`  follower (APPENDs in)       ${f2(result.follower.framesPerCycle).padStart(12)}   ${result.follower.drops}`);
console.log(`  leader requests/cycle       ${f2(result.leader.requestsPerCycle).padStart(12)}   (the rest of the port carries ACKs)`);
console.log('');
console.log('latency, cycles (ns)          p50        p99        p99.9      samples');
for (const [name, l] of Object.entries(result.latencyCycles)) {
  const c = (v: number) => `${v} (${ns(v)})`.padEnd(11);
  console.log(`  ${name.padEnd(28)}${c(l.p50)}${c(l.p99)}${c(l.p999)}${l.samples}`);
}
console.log('');
console.log(`simulation speed, 3 NICs: TypeScript-driven ${(tsCyclesPerSec / 1e3).toFixed(0)} k cycles/s, plain C++ loop ${(cppCyclesPerSec / 1e3).toFixed(0)} k cycles/s, ratio ${f2(result.simSpeed.ratio)} (medians of ${SPEED_REPEATS})`);
console.log('');
console.log('ACK coalescing   requests/cycle   commit p50   commit p99 (cycles)');
for (const s of sweep) console.log(`  ${String(s.ackCount).padEnd(15)}${f2(s.requestsPerCycle).padStart(14)}   ${String(s.commitP50).padStart(10)}   ${String(s.commitP99).padStart(10)}`);
console.log('');
console.log(`payload sweep (MAX_PAYLOAD ${SWEEP_VARIANT.params.MAX_PAYLOAD}), beats per cycle at 100% offered load`);
console.log('  node      frame B  beats  offered  taken   taken/offered  to host  drops');
for (const r of payloadSweep) {
  console.log(`  ${r.mode.padEnd(9)} ${String(r.frameBytes).padStart(7)}  ${String(r.beatsPerFrame).padStart(5)}  ${r.offeredBeatsPerCycle.toFixed(3).padStart(7)}  ${r.beatsPerCycle.toFixed(3).padStart(5)}   ${r.ratio.toFixed(4).padStart(13)}  ${r.hostBeatsPerCycle.toFixed(3).padStart(7)}  ${r.drops}`);
}
console.log(`\nwrote ${outFile}`);
