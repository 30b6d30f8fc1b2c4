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
//
// Frame authentication (auth): the same two worlds with AUTH_EN off and on side by side, in a world
// driven from TypeScript (bench/_b2b_auth.ts: the C++ world's client does not sign): keys installed
// through the AUTH_* CSRs of every NIC, the client's REQs signed with the client key, the synthetic
// leader's APPENDs with the node key. Per run: frames and beats per cycle, drops, and the latencies
// (p50 / p99 / p99.9 / max, exact) of REQ -> APPEND, APPEND -> ACK, quorum ACK -> commit, and
// REQ -> REPLY (the leader NIC's reply, with a round trip over links of AUTH_LINK_CYCLES cycles).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { B2B_PAYLOAD_BYTES, B2bWorld, type Latency } from '../sim/b2b.js';
import { ROOT, libraryPath } from '../native/build.js';
import { AuthB2b } from './_b2b_auth.js';
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

// Authentication off vs on (bench/_b2b_auth.ts), one run each, side by side.
const AUTH_CYCLES = Number(process.env.NIC_BENCH_AUTH_CYCLES ?? 50_000);
const AUTH_LINK_CYCLES = 16;
function authRun(mode: 'leader' | 'follower', auth: boolean, payloadBytes: number, variant: { params: Record<string, number> } | undefined, cycles: number, nicReply = false) {
  const w = new AuthB2b({ mode, auth, followers: 2, ackCount: ACK_COUNT, ackDelayCycles: 16, payloadBytes, variant, linkCycles: AUTH_LINK_CYCLES, nicReply });
  try {
    w.run(WARMUP);
    w.measure();
    w.run(cycles);
    const win = w.window();
    const c = w.counters();
    const sum = (k: 'DROPPED' | 'PLANE0_TX_DROPS' | 'DROP_AUTH_FAIL' | 'DROP_NO_KEY' | 'DROP_REPLAY') => c.reduce((a, x) => a + x[k], 0);
    const beats = w.beatsPerFrame;
    const frames = mode === 'leader' ? win.appendsOut + win.acksIn : win.followerAcked;
    return {
      mode, auth, frameBytes: Math.max(60, HDR_BYTES + payloadBytes), beatsPerFrame: beats, cycles: win.cycles,
      framesPerCycle: frames / win.cycles,
      requestsPerCycle: mode === 'leader' ? win.appendsOut / win.cycles : 0,
      offeredBeatsPerCycle: win.inBeats / win.cycles,
      beatsPerCycle: (mode === 'leader' ? win.appendsOut * beats + win.acksIn : win.followerAcked * beats) / win.cycles,
      hostBeatsPerCycle: win.committedToHost * beats / win.cycles,
      stalledBeats: w.stalledBeats(),
      drops: sum('DROPPED') + sum('PLANE0_TX_DROPS'),
      authDrops: { authFail: sum('DROP_AUTH_FAIL'), noKey: sum('DROP_NO_KEY'), replay: sum('DROP_REPLAY') },
      latencyCycles: mode === 'leader'
        ? { leaderAppend: w.hist.leaderAppend.summary(), leaderCommit: w.hist.leaderCommit.summary(), ...(nicReply ? { clientReply: w.hist.clientReply.summary() } : {}) }
        : { followerAck: w.hist.followerAck.summary() },
    };
  } finally {
    w.destroy();
  }
}
type AuthRow = ReturnType<typeof authRun>;
const side = (off: AuthRow, on: AuthRow) => {
  const lat: Record<string, { p50: number; p99: number; p999: number }> = {};
  for (const [k, v] of Object.entries(on.latencyCycles)) {
    const o = (off.latencyCycles as Record<string, typeof v>)[k]!;
    lat[k] = { p50: v.p50 - o.p50, p99: v.p99 - o.p99, p999: v.p999 - o.p999 };
  }
  return { mode: on.mode, frameBytes: on.frameBytes, beatsPerFrame: on.beatsPerFrame, off, on, addedLatencyCycles: lat,
    sameThroughput: Math.abs(on.beatsPerCycle - off.beatsPerCycle) <= 0.01 * off.beatsPerCycle && on.drops === off.drops };
};
function authHeadlineRuns() {
  return [
    side(authRun('leader', false, B2B_PAYLOAD_BYTES, undefined, AUTH_CYCLES, true), authRun('leader', true, B2B_PAYLOAD_BYTES, undefined, AUTH_CYCLES, true)),
    side(authRun('follower', false, B2B_PAYLOAD_BYTES, undefined, AUTH_CYCLES), authRun('follower', true, B2B_PAYLOAD_BYTES, undefined, AUTH_CYCLES)),
  ];
}
function authSweepRuns() {
  return SWEEP_FRAME_BYTES.flatMap((fb) => (['leader', 'follower'] as const).map((m) =>
    side(authRun(m, false, fb - HDR_BYTES, SWEEP_VARIANT, AUTH_CYCLES), authRun(m, true, fb - HDR_BYTES, SWEEP_VARIANT, AUTH_CYCLES))));
}
function printAuth(rows: Array<ReturnType<typeof side>>, seconds: number) {
  console.log(`frame authentication off vs on (bench/_b2b_auth.ts, ${AUTH_CYCLES} cycles a run, links ${AUTH_LINK_CYCLES} cycles; ${seconds.toFixed(0)} s)`);
  console.log('  node      frame B  auth  frames/cyc  beats/cyc  offered  to host  drops  latency p50/p99/p99.9 (cycles)');
  for (const s of rows) {
    for (const r of [s.off, s.on]) {
      const lat = Object.entries(r.latencyCycles).map(([k, v]) => `${k} ${v.p50}/${v.p99}/${v.p999}`).join(', ');
      console.log(`  ${r.mode.padEnd(9)} ${String(r.frameBytes).padStart(7)}  ${(r.auth ? 'on' : 'off').padEnd(4)}  ${r.framesPerCycle.toFixed(3).padStart(10)}  ${r.beatsPerCycle.toFixed(3).padStart(9)}  ${r.offeredBeatsPerCycle.toFixed(3).padStart(7)}  ${r.hostBeatsPerCycle.toFixed(3).padStart(7)}  ${String(r.drops).padStart(5)}  ${lat}  stalled ${r.stalledBeats}`);
    }
    console.log(`            added by auth: ${Object.entries(s.addedLatencyCycles).map(([k, v]) => `${k} +${v.p50}/+${v.p99}/+${v.p999}`).join(', ')}${s.sameThroughput ? '' : '  THROUGHPUT DIFFERS'}`);
  }
}
const authConfig = (seconds: number) => ({
  world: 'bench/_b2b_auth.ts: the same worlds driven from TypeScript, links of linkCycles cycles (the C++ world: 1), REQs and APPENDs signed when auth is on',
  linkCycles: AUTH_LINK_CYCLES, cycles: AUTH_CYCLES, warmupCycles: WARMUP, ackCount: ACK_COUNT, ackDelayCycles: 16, followers: 2,
  headlineVariant: 'default', sweepVariant: SWEEP_VARIANT.params, headlineNicReply: true, seconds: Math.round(seconds),
  latencies: 'leaderAppend: REQ first beat in -> APPEND last beat out; followerAck: APPEND first beat in -> first ACK out covering it; leaderCommit: quorum ACK first beat in -> entry out of the host RX queue; clientReply: REQ first beat in -> the leader NIC\'s REPLY out (includes a round trip over the links)',
  stalledBeats: 'beats scheduled into the measured port that it had not taken at the end (0: the first-beat cycles the latencies start from are exact)',
});

// --auth-only: only the comparison, into bench/out/nic-auth.json (NIC_BENCH_AUTH_SWEEP=0: without the
// payload sweep, which needs the MAX_PAYLOAD=1458 build); bench/out/nic.json is left alone.
if (process.argv.includes('--auth-only')) {
  const t0 = performance.now();
  const headline = authHeadlineRuns();
  const sweep = process.env.NIC_BENCH_AUTH_SWEEP === '0' ? [] : authSweepRuns();
  const seconds = (performance.now() - t0) / 1000;
  const file = join(ROOT, 'bench/out/nic-auth.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ auth: { config: authConfig(seconds), headline, payloadSweep: sweep } }, null, 2) + '\n');
  printAuth([...headline, ...sweep], seconds);
  console.log(`\nwrote ${file}`);
  process.exit(0);
}

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

const authT0 = performance.now();
const authHeadline = authHeadlineRuns();
const authSweep = authSweepRuns();
const authSeconds = (performance.now() - authT0) / 1000;

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
  auth: {
    config: authConfig(authSeconds),
    headline: authHeadline,
    payloadSweep: authSweep,
  },
};

const outFile = join(ROOT, 'bench/out/nic.json');
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');

const ns = (c: number) => (c * 1000 / CLOCK_MHZ).toFixed(0);
const f2 = (x: number) => x.toFixed(2);
console.log(`nicraft NIC benchmark: 512-bit datapath at ${CLOCK_MHZ} MHz, ${HDR_BYTES + B2B_PAYLOAD_BYTES}-byte (one-beat) REQs, 100% offered load, ACK coalescing ${ACK_COUNT}`);
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
console.log('');
printAuth([...authHeadline, ...authSweep], authSeconds);
console.log(`\nwrote ${outFile}`);
