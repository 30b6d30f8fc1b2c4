// Differential test: the RTL (VerilatedNic) against ModelNic, the same seeded random workload into both.
//
// Per seed: a parameter variant, a role (leader or follower) with random CSR settings, optional
// backpressure on the output ports and gaps on the input ports (the shim's generator, which ModelNic
// reproduces), then rounds of random traffic: valid REQs, APPENDs, ACKs, heartbeats, control and
// reply frames, frames of other terms, malformed and mutated frames, MAC errors, oversize frames,
// host TX frames, CSR reads and writes, counter clears, log port reads and writes; and the features of
// the NIC under faults: copies of a frame on two planes (and repeats on one), APPENDs reordered and
// lost on the way to a follower (reorder buffer, NACKs, the leader's retransmissions filling the gaps),
// NACKs with gap ranges and retransmit timeouts at a leader (go-back-N, needs-repair events), plane
// enable changes, the NACK and RTO registers. After every
// operation the two NICs must agree on: the frames out of every plane and the host RX queue (order,
// bytes, reasons and the cycle of the last beat), every value read, and at the end the counters,
// the raft registers and the log contents.
//
//   SEED=123 npx vitest run test/nic/diff.test.ts     replay one seed
//   DIFF_SEEDS=200 npx vitest run test/nic/diff.test.ts  more seeds (default 24)
import { afterAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { buildDir, libraryPath, ROOT } from '../../native/build.js';
import { VerilatedNic } from '../../ctrl/nic/verilated.js';
import { ModelNic, NIC_DEFAULTS, type NicParams } from '../../ctrl/nic/model.js';
import type { HostFrame, Nic, RxFrame, TxFrame } from '../../ctrl/nic/nic.js';
import { SeededRand } from '../../ctrl/rand.js';
import { FrameSigner, deriveKey, keyWrites, type KeyMaterial } from '../../ctrl/nic/auth-keys.js';
import {
  Csr, Flag, HDR_BYTES, MsgType, clientMac, decodeHeader, encodeFrame, nodeMac, MAC_GROUP,
} from '../../ctrl/wire/wire.gen.js';

const BUILD_TIMEOUT = 900_000;
const run = promisify(execFile);

/** The project's seeded generator (ctrl/rand.ts) as a function. */
function prng(seed: number): () => number {
  const r = new SeededRand(seed);
  return () => r.next();
}

const VARIANTS: Array<Partial<NicParams>> = [
  {},
  { PLANES: 2 },
  // small: windows, FIFOs and the log fill up quickly
  { PLANES: 2, MAX_NODES: 4, LOG_DEPTH_LOG2: 3, MAX_PAYLOAD: 100, RX_FIFO_DEPTH_LOG2: 3, HOST_FIFO_DEPTH_LOG2: 3, TX_FIFO_DEPTH_LOG2: 2, PLANE_SKEW_CYCLES: 4 },
];

function variantOf(p: Partial<NicParams>): { params?: Record<string, number> } {
  return Object.keys(p).length ? { params: { ...(p as Record<string, number>) } } : {};
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
function describeFrame(f: Uint8Array): string {
  if (f.length < HDR_BYTES) return `${f.length}B ${hex(f)}`;
  const h = decodeHeader(f);
  return `${f.length}B type=${h.type} term=${h.term} idx=${h.logIndex} commit=${h.commitIndex} src=${h.srcNode} dst=${h.dstNode} client=${h.clientId} seq=${h.seq} plen=${h.payloadLen} flags=${h.flags}`;
}

interface Out { frame: Uint8Array; reason?: number; cycle: number }
function compareOut(what: string, a: readonly Out[], b: readonly Out[]): string | null {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!, y = b[i]!;
    if (hex(x.frame) !== hex(y.frame) || x.reason !== y.reason) {
      return `${what}[${i}] differs:\n  rtl   (reason ${x.reason}, cycle ${x.cycle}) ${describeFrame(x.frame)}\n        ${hex(x.frame)}\n  model (reason ${y.reason}, cycle ${y.cycle}) ${describeFrame(y.frame)}\n        ${hex(y.frame)}`;
    }
    if (x.cycle !== y.cycle) return `${what}[${i}] same frame, different cycle: rtl ${x.cycle}, model ${y.cycle}: ${describeFrame(x.frame)}`;
  }
  if (a.length !== b.length) {
    const extra = a.length > b.length ? `rtl has more: ${describeFrame(a[n]!.frame)} (reason ${a[n]!.reason})` : `model has more: ${describeFrame(b[n]!.frame)} (reason ${b[n]!.reason})`;
    return `${what}: rtl ${a.length} frames, model ${b.length}; ${extra}`;
  }
  return null;
}

const RAFT_REGS: number[] = [
  Csr.RAFT_NODE_ID, Csr.RAFT_CLUSTER_ID, Csr.RAFT_ROLE, Csr.RAFT_TERM, Csr.RAFT_LEADER_ID, Csr.RAFT_MEMBERS,
  Csr.RAFT_QUORUM, Csr.RAFT_FAST_EN, Csr.RAFT_HB_INTERVAL, Csr.RAFT_ACK_COUNT, Csr.RAFT_ACK_DELAY,
  Csr.RAFT_TERM_START, Csr.RAFT_LAST_INDEX, Csr.RAFT_COMMIT_INDEX, Csr.RAFT_APPLIED_INDEX, Csr.RAFT_MATCH_SEL,
  Csr.RAFT_MATCH_INDEX, Csr.RAFT_STATUS, Csr.RAFT_HB_COMMIT_DELAY, Csr.RAFT_PLANE_EN, Csr.RAFT_NACK_INTERVAL, Csr.RAFT_RTO,
  Csr.RAFT_NACK_DELAY, Csr.RAFT_SILENCE_CYCLES, Csr.RAFT_REPLY_MASK, Csr.RAFT_ACK_GAP, Csr.IDENT_CYCLE_LO, Csr.IDENT_PARAMS0, Csr.IDENT_PARAMS1,
];

interface Stats { ops: number; tx: number; host: number; followerReplies: number; chainSeeds: number; forwarded: number; reasons: Map<number, number>; ctr: Map<string, bigint> }

/** Runs one seed; returns null when the two agree, else a description of the first difference. */
function runSeed(seed: number, rounds: number, stats: Stats): string | null {
  const r = prng(seed * 2654435761);
  const ri = (n: number): number => Math.floor(r() * n);
  // follower replies (FOLLOWER_REPLY, REPLY_MASK) draw from their own stream: the draws of r, and with
  // them every seed's traffic before follower replies existed, stay as they were
  const rf = prng((seed * 2654435761) ^ 0x46524c59);
  const fflag = (): number => (rf() < 0.4 ? Flag.FOLLOWER_REPLY : 0);
  const fmask = (): number => (rf() < 0.2 ? (rf() < 0.5 ? 0 : 0xff) : Math.floor(rf() * 256));
  // chain replication (ROLE 3, CHAIN) draws from its own stream too: a third of the seeds put the NIC in a
  // chain, as its head (a leader with a successor), a middle (ROLE 3) or its tail (CHAIN.TAIL)
  const rc = prng((seed * 2654435761) ^ 0x4348414e);
  const rci = (n: number): number => Math.floor(rc() * n);
  const pick = <T>(xs: readonly T[]): T => xs[ri(xs.length)]!;
  const vp = VARIANTS[seed % VARIANTS.length]!;
  const params: NicParams = { ...NIC_DEFAULTS, ...vp };
  const maxPayload = params.MAX_PAYLOAD;
  const planes = params.PLANES;
  const v = new VerilatedNic({ variant: variantOf(vp), seed });
  const m = new ModelNic({ params: vp, seed });
  const nics: Nic[] = [v, m];
  try {
    const leader = r() < 0.5;
    const me = ri(Math.min(params.MAX_NODES, 4));
    const peers = [0, 1, 2, 3].filter((n) => n !== me && n < params.MAX_NODES);
    const leaderId = leader ? me : pick(peers);
    let term = 1 + ri(5);
    const cluster = 1 + ri(3);
    let members = 1 << me;
    for (const p of peers) if (r() < 0.8) members |= 1 << p;
    const chainPos = rc() < 0.35 ? (leader ? 'head' : rc() < 0.6 ? 'middle' : 'tail') : 'none';
    const succPeers = peers.filter((n) => n !== leaderId);
    const succ = chainPos === 'head' || chainPos === 'middle' ? (rc() < 0.9 && succPeers.length ? succPeers[rci(succPeers.length)]! : 0xff) : 0xff;
    const chainWord = (): number => (chainPos === 'none' ? 0xff : (chainPos === 'tail' || rc() < 0.05 ? 0x100 : 0) | (rc() < 0.9 ? succ : 0xff));
    // a middle's successor is a member (its ACKs count); most of the time the only other one
    if (chainPos === 'middle' && succ !== 0xff) members = rc() < 0.7 ? (1 << me) | (1 << succ) : members | (1 << succ);
    if (chainPos !== 'none') stats.chainSeeds++;
    const setup: Array<[number, number]> = [
      [Csr.RAFT_NODE_ID, me], [Csr.RAFT_CLUSTER_ID, cluster], [Csr.RAFT_TERM, term],
      [Csr.RAFT_LEADER_ID, leaderId], [Csr.RAFT_MEMBERS, members], [Csr.RAFT_QUORUM, 1 + ri(3)],
      [Csr.RAFT_HB_INTERVAL, 40 + ri(400)], [Csr.RAFT_HB_COMMIT_DELAY, 4 + ri(60)],
      [Csr.RAFT_ACK_COUNT, 1 + ri(4)], [Csr.RAFT_ACK_DELAY, 2 + ri(40)], [Csr.RAFT_TERM_START, 1 + ri(3)],
      [Csr.RAFT_ROLE, leader ? 2 : 1], [Csr.RAFT_FAST_EN, r() < 0.92 ? 1 : 0],
      // faults: retransmit timeout, NACK timing, planes
      [Csr.RAFT_RTO, r() < 0.8 ? 16 + ri(300) : 512], [Csr.RAFT_NACK_DELAY, ri(40)], [Csr.RAFT_NACK_INTERVAL, 4 + ri(120)],
      [Csr.RAFT_PLANE_EN, r() < 0.85 ? 7 : ri(8)],
      // leader-silence detection (a follower's LEADER_SILENT events)
      [Csr.RAFT_SILENCE_CYCLES, r() < 0.7 ? 1 + ri(400) : 0],
      // load-adaptive ACKs (0: off)
      [Csr.RAFT_ACK_GAP, r() < 0.4 ? 0 : 1 + ri(12)],
      [Csr.RAFT_REPLY_MASK, fmask()],
    ];
    if (chainPos !== 'none') setup.push([Csr.RAFT_CHAIN, chainWord()], [Csr.RAFT_ROLE, chainPos === 'middle' ? 3 : leader ? 2 : 1]);
    // backpressure and gaps (the shim's generator; ModelNic reproduces its sequence)
    const readyP: number[] = [];
    const gapP: number[] = [];
    for (let p = 0; p <= planes; p++) {
      readyP.push(r() < 0.35 ? pick([0.3, 0.6, 0.9]) : 1);
      gapP.push(r() < 0.25 ? pick([0.1, 0.4]) : 0);
    }
    v.sim.seed(seed); m.seed(seed);
    for (let p = 0; p <= planes; p++) {
      v.sim.setReadyProbability(p, readyP[p]!); m.setReadyProbability(p, readyP[p]!);
      v.sim.setGapProbability(p, gapP[p]!); m.setGapProbability(p, gapP[p]!);
    }
    for (const n of nics) { for (const [a, x] of setup) n.writeCsr(a, x); n.flush(); }

    // frame authentication (issue 16) on most seeds: keys in both NICs, every frame offered signed, some
    // forged (a byte flipped after signing), replayed, or under a key slot that is not installed
    const authOn = r() < 0.75;
    const maxBeats = Math.ceil((HDR_BYTES + params.MAX_PAYLOAD) / 64);
    const secret = new Uint8Array(16).map(() => ri(256));
    const material: Record<number, KeyMaterial> = {};
    for (let ctx = 0; ctx < 4; ctx++) material[ctx] = deriveKey(secret, ctx >= 2 ? 'client' : 'node', ctx & 1);  // 24 beats: oversize frames can be signed too
    const keyValid = r() < 0.8 ? 15 : ri(16);
    const signer = new FrameSigner(material);
    const pnOf = new Map<string, number>();
    const sealed = new WeakMap<Uint8Array, Uint8Array>();
    const signedSoFar: Uint8Array[] = [];
    if (authOn) {
      const w: Array<[number, number]> = [];
      for (let ctx = 0; ctx < 4; ctx++) w.push(...keyWrites(ctx, material[ctx]!, maxBeats));
      w.push([Csr.RAFT_AUTH_KEY_VALID, keyValid], [Csr.RAFT_AUTH_TX_KID, ri(2)],
        [Csr.RAFT_AUTH_TX_PN_LO, ri(1 << 30)], [Csr.RAFT_AUTH_TX_PN_HI, ri(3)], [Csr.RAFT_AUTH_EN, 1]);
      for (const n of nics) { for (const [a, x] of w) n.writeCsr(a, x); n.flush(); }
    }
    const seal = (f: Uint8Array): Uint8Array => {
      if (!authOn || f.length < HDR_BYTES || f[12] !== 0x88 || f[13] !== 0xb5) return f;
      let s = sealed.get(f);
      if (s) return s;
      const y = r();
      if (y < 0.03 && signedSoFar.length) s = pick(signedSoFar);          // a captured frame sent again
      else {
        const cls = f[15] === MsgType.REQ || f[15] === MsgType.REPLY;
        const sender = cls ? `c${(f[34]! << 24) | (f[35]! << 16) | (f[36]! << 8) | f[37]!}` : `n${f[19]}`;
        let pn = (pnOf.get(sender) ?? ri(1000)) + 1 + (r() < 0.1 ? ri(60) : 0);
        if (r() < 0.04) pn = Math.max(0, pn - 1 - ri(50));                 // behind the window, or in it
        else pnOf.set(sender, pn);
        s = signer.sign(f, r() < 0.95 ? (keyValid & 1 ? 0 : 1) : ri(2), pn);
        if (r() < 0.04) { s = s.slice(); s[ri(s.length)] ^= 1 + ri(255); }  // forged or corrupted after signing
        signedSoFar.push(s);
        if (signedSoFar.length > 64) signedSoFar.shift();
      }
      sealed.set(f, s);
      return s;
    };
    const sealAll = (fs: RxFrame[]): RxFrame[] => fs.map((x) => ({ ...x, frame: seal(x.frame) }));

    // generator state
    let seq = 0;
    let sentReqs = 0;      // leader: REQs offered (an upper bound of its last index)
    let nextAppend = 1;    // follower: the next index the leader would send
    let leaderCommit = 0;
    const missing: number[] = [];   // follower: indices lost on the way (sent again later, as retransmissions)
    const logDepth = 1 << params.LOG_DEPTH_LOG2;
    const hdr = (type: number, o: Partial<{ term: number; logIndex: number; commitIndex: number; src: number; dst: number; flags: number; client: number; seq: number; cluster: number }> = {}) => ({
      dstMac: nodeMac(me), srcMac: nodeMac(o.src ?? leaderId), type, clusterId: o.cluster ?? cluster, flags: o.flags ?? 0,
      srcNode: o.src ?? leaderId, dstNode: o.dst ?? me, term: o.term ?? term, logIndex: o.logIndex ?? 0,
      commitIndex: o.commitIndex ?? 0, clientId: o.client ?? 0, seq: o.seq ?? 0,
    });
    const payload = (): Uint8Array => {
      const n = r() < 0.6 ? ri(21) : ri(maxPayload + 1);
      const p = new Uint8Array(n);
      for (let i = 0; i < n; i++) p[i] = ri(256);
      return p;
    };
    const termish = (): number => (r() < 0.9 ? term : r() < 0.5 ? term + 1 : Math.max(0, term - 1));
    const validFrame = (): Uint8Array => {
      const x = r();
      if (leader) {
        if (x < 0.55) {
          sentReqs++;
          return encodeFrame({ ...hdr(MsgType.REQ, { src: 0xff, flags: (r() < 0.3 ? Flag.NIC_REPLY : 0) | fflag(), client: 1 + ri(1000), seq: seq++, term: 0 }), dstMac: nodeMac(me), srcMac: clientMac(7) }, payload());
        }
        if (x < 0.85) {
          const src = r() < 0.9 ? pick(peers) : pick([me, 7, 200]);
          const idx = r() < 0.85 ? ri(sentReqs + 1) : sentReqs + 1 + ri(5);
          const nack = r() < 0.12;
          const end = nack && r() < 0.6 ? idx + 1 + ri(6) : 0;   // NACK: the first index held beyond the gap
          return encodeFrame(hdr(nack ? MsgType.NACK : MsgType.ACK, { src, dst: me, logIndex: nack && idx === 0 && r() < 0.8 ? 1 : idx, term: termish(), client: end }));
        }
        return encodeFrame(hdr(pick([MsgType.APPEND, MsgType.HEARTBEAT, MsgType.CONTROL, MsgType.REPLY]), { src: pick(peers), logIndex: ri(sentReqs + 2), term: termish() }), payload());
      }
      if (chainPos === 'middle' && rc() < 0.25) {
        // the successor's ACK or NACK (up to what this NIC was sent), sometimes of another term
        const nack = rc() < 0.2;
        const src = succ !== 0xff && rc() < 0.9 ? succ : pick(peers);
        const idx = rci(nextAppend + 1);
        return encodeFrame(hdr(nack ? MsgType.NACK : MsgType.ACK, { src, dst: me, logIndex: nack && idx === 0 ? 1 : idx, term: rc() < 0.9 ? term : term + 1, client: nack && rc() < 0.5 ? idx + 1 + rci(5) : 0 }));
      }
      if (x < 0.65) {
        let idx = nextAppend;
        const y = r();
        if (y < 0.07) idx = Math.max(1, nextAppend - 1 - ri(3));          // duplicate
        else if (y < 0.1) idx = nextAppend + 1 + ri(3);                    // gap
        else if (y < 0.11) idx = nextAppend + logDepth + ri(3);            // beyond the window (FUTURE_INDEX)
        else if (y < 0.14 && missing.length) idx = missing.shift()!;       // a lost entry, sent again
        else nextAppend++;
        if (r() < 0.5) leaderCommit = Math.min(nextAppend - 1, leaderCommit + ri(4));
        return encodeFrame(hdr(MsgType.APPEND, {
          logIndex: idx, commitIndex: r() < 0.97 ? leaderCommit : nextAppend + 5, term: termish(),
          src: r() < 0.95 ? leaderId : pick(peers), flags: (r() < 0.3 ? Flag.NIC_REPLY : 0) | (r() < 0.1 ? Flag.RETRANSMIT : 0) | fflag(), client: ri(99), seq: seq++,
        }), payload());
      }
      if (x < 0.8) {
        if (r() < 0.5) leaderCommit = Math.min(nextAppend - 1, leaderCommit + ri(6));
        return encodeFrame(hdr(MsgType.HEARTBEAT, { logIndex: nextAppend - 1, commitIndex: leaderCommit, term: termish(), src: r() < 0.95 ? leaderId : pick(peers) }));
      }
      return encodeFrame(hdr(pick([MsgType.REQ, MsgType.ACK, MsgType.NACK, MsgType.CONTROL, MsgType.REPLY]), { term: termish(), logIndex: ri(nextAppend + 2) }), payload());
    };
    const mutate = (f: Uint8Array): Uint8Array => {
      const y = r();
      if (y < 0.12) return f.slice(0, 1 + ri(HDR_BYTES - 1));                              // short
      if (y < 0.24) { const g = f.slice(); g[12 + ri(2)] ^= 1 + ri(255); return g; } // ethertype
      if (y < 0.34) { const g = f.slice(); g[14] = pick([0, 2, 255]); return g; }     // version
      if (y < 0.44) { const g = f.slice(); g[16 + ri(2)] ^= 1 + ri(255); return g; } // cluster
      if (y < 0.56) { const g = f.slice(); g[15] = pick([0, 8, 9, 0x81, 255]); return g; } // type
      if (y < 0.68) { const g = f.slice(); g[42] = ri(3); g[43] = ri(256); return g; } // payload_len
      if (y < 0.78) { const g = new Uint8Array(f.length + 1 + ri(40)); g.set(f); return g; } // longer than stated
      if (y < 0.86) return f.slice(0, Math.max(HDR_BYTES, f.length - 1 - ri(20)));     // shorter
      if (y < 0.93) { const g = new Uint8Array(HDR_BYTES + maxPayload + 1 + ri(300)); g.set(f.subarray(0, HDR_BYTES)); return g; } // oversize
      const g = f.slice(); g[ri(g.length)] = ri(256); return g;                       // any byte
    };
    const frame = (): RxFrame => {
      let f = validFrame();
      if (r() < 0.15) f = mutate(f);
      return { frame: f, macError: r() < 0.02 };
    };

    const cmp = (what: string, a: readonly Out[], b: readonly Out[]): string | null => compareOut(`seed ${seed} ${what}`, a, b);
    const drain = (): string | null => {
      for (let p = 0; p < planes; p++) {
        const a: TxFrame[] = v.pullTx(p), b: TxFrame[] = m.pullTx(p);
        stats.tx += a.length;
        if (!leader) stats.followerReplies += a.filter((f) => f.frame.length > 15 && f.frame[15] === MsgType.REPLY).length;
        // a chain middle's forwarded APPENDs and HEARTBEATs (sent as its own, to its successor)
        if (chainPos === 'middle') stats.forwarded += a.filter((f) => f.frame.length > 20 && (f.frame[15] === MsgType.APPEND || f.frame[15] === MsgType.HEARTBEAT) && f.frame[19] === me).length;
        const d = cmp(`plane ${p} TX`, a, b);
        if (d) return d;
      }
      const a: HostFrame[] = v.pollHost(), b: HostFrame[] = m.pollHost();
      stats.host += a.length;
      for (const f of a) stats.reasons.set(f.reason, (stats.reasons.get(f.reason) ?? 0) + 1);
      return cmp('host RX', a, b);
    };
    const same = (what: string, a: unknown, b: unknown): string | null =>
      JSON.stringify(a, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? hex(x) : x)) ===
      JSON.stringify(b, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? hex(x) : x))
        ? null : `seed ${seed} ${what}: rtl ${JSON.stringify(a, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))} model ${JSON.stringify(b, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))}`;

    for (let round = 0; round < rounds; round++) {
      if (v.cycle !== m.cycle) return `seed ${seed} round ${round}: cycle rtl ${v.cycle} model ${m.cycle}`;
      const now = m.cycle;
      const kind = r();
      stats.ops++;
      if (kind < 0.55) {
        // a burst of frames on random planes, some spread out in time
        const n = 1 + ri(r() < 0.2 ? 80 : 12);
        const per: RxFrame[][] = Array.from({ length: planes }, () => []);
        let at = now;
        const copies = r() < 0.3;   // this burst: every frame also on the other planes (as a multi-plane fabric sends it)
        for (let i = 0; i < n; i++) {
          const f = frame();
          if (r() < 0.3) { at += ri(20); f.atCycle = at; }
          const pl = ri(planes);
          per[pl]!.push(f);
          if (copies || r() < 0.05) {
            // a copy on each other plane (or, with one plane, a repeat on the same plane), sometimes later
            for (let q = 0; q < planes; q++) {
              if (planes > 1 && q === pl) continue;
              const c: RxFrame = { frame: f.frame, macError: r() < 0.02, atCycle: r() < 0.5 ? f.atCycle : (f.atCycle ?? now) + ri(30) };
              per[q]!.push(c);
            }
          }
        }
        for (let p = 0; p < planes; p++) if (per[p]!.length) { const q = sealAll(per[p]!); for (const x of nics) x.pushRx(p, q); }
        const steps = ri(r() < 0.3 ? 400 : 60);
        for (const x of nics) x.step(steps);
      } else if (kind < 0.585) {
        // follower: a run of APPENDs reordered on the way, some lost (the leader sends those again later);
        // leader: a follower's NACK naming a gap, or a burst of stale ACKs so that the RTO fires
        const per: RxFrame[][] = Array.from({ length: planes }, () => []);
        if (!leader) {
          const k = 2 + ri(8);
          const idxs = Array.from({ length: k }, (_, i) => nextAppend + i);
          nextAppend += k;
          for (let i = idxs.length - 1; i > 0; i--) { const j = ri(i + 1); [idxs[i], idxs[j]] = [idxs[j]!, idxs[i]!]; }
          const resend = missing.splice(0, r() < 0.5 ? missing.length : 0);
          for (const idx of [...resend, ...idxs]) {
            if (r() < 0.2 && !resend.includes(idx)) { missing.push(idx); continue; }
            const f = encodeFrame(hdr(MsgType.APPEND, { logIndex: idx, commitIndex: leaderCommit, flags: (resend.includes(idx) ? Flag.RETRANSMIT : 0) | fflag(), client: ri(99), seq: seq++ }), payload());
            const pl = ri(planes);
            per[pl]!.push({ frame: f, atCycle: now + ri(30) });
            if (planes > 1 && r() < 0.5) per[(pl + 1) % planes]!.push({ frame: f, atCycle: now + ri(30) });
          }
          for (const q of per) q.sort((a, b) => (a.atCycle ?? 0) - (b.atCycle ?? 0));
        } else {
          const src = pick(peers);
          const idx = 1 + ri(Math.max(1, sentReqs));
          const f = encodeFrame(hdr(MsgType.NACK, { src, dst: me, logIndex: idx, client: r() < 0.5 ? 0 : idx + 1 + ri(8), seq: seq++ }));
          per[ri(planes)]!.push({ frame: f });
        }
        for (let p = 0; p < planes; p++) if (per[p]!.length) { const q = sealAll(per[p]!); for (const x of nics) x.pushRx(p, q); }
        const steps = ri(r() < 0.5 ? 600 : 80);
        for (const x of nics) x.step(steps);
      } else if (kind < 0.62) {
        const k = 1 + ri(r() < 0.5 ? 50 : 3000);
        for (const x of nics) x.step(k);
      } else if (kind < 0.67) {
        const fs = Array.from({ length: 1 + ri(3) }, () => encodeFrame({ ...hdr(pick([MsgType.APPEND, MsgType.CONTROL, MsgType.REPLY, MsgType.NACK]), { src: me, dst: 0xff, logIndex: ri(50) }), dstMac: MAC_GROUP, srcMac: nodeMac(me) }, payload()));
        const k = ri(40);
        for (const x of nics) { x.sendHost(fs); x.step(k); }
      } else if (kind < 0.71) {
        // resynchronise the generator with the NIC (as a host would, reading LAST_INDEX and COMMIT_INDEX)
        const a = v.readCsrs([Csr.RAFT_LAST_INDEX, Csr.RAFT_COMMIT_INDEX]), b = m.readCsrs([Csr.RAFT_LAST_INDEX, Csr.RAFT_COMMIT_INDEX]);
        const d = same('LAST_INDEX, COMMIT_INDEX', a, b);
        if (d) return d;
        if (leader) sentReqs = a[0]!;
        else { nextAppend = a[0]! + 1; leaderCommit = Math.max(leaderCommit, a[1]!); if (r() < 0.5) leaderCommit = a[0]!; }
      } else if (kind < 0.77) {
        const addr = pick(RAFT_REGS.concat([Csr.COUNTERS_DROPPED_LO, Csr.COUNTERS_RX_FRAMES_LO, Csr.COUNTERS_DROPPED_HI, 0x0001, 0x0fff, 0x02e0, 0x0215]));
        const a = v.readCsr(addr), b = m.readCsr(addr);
        const d = same(`readCsr(0x${addr.toString(16)})`, a, b);
        if (d) return d;
      } else if (kind < 0.83) {
        // a CSR write the host might do (recovery-style writes included)
        const w: Array<[number, number]> = [
          [Csr.RAFT_ACK_COUNT, 1 + ri(4)], [Csr.RAFT_ACK_DELAY, 1 + ri(40)],
          [Csr.RAFT_HB_INTERVAL, 20 + ri(300)], [Csr.RAFT_MATCH_SEL, ri(8)], [Csr.RAFT_QUORUM, 1 + ri(3)],
          [Csr.RAFT_FAST_EN, r() < 0.8 ? 1 : 0], [Csr.RAFT_CLUSTER_ID, r() < 0.9 ? cluster : cluster + 1],
          [Csr.RAFT_MATCH_INDEX, ri(sentReqs + 1)], [Csr.RAFT_TERM_START, 1 + ri(4)], [Csr.RAFT_HB_COMMIT_DELAY, 1 + ri(50)],
          [Csr.RAFT_PLANE_EN, r() < 0.5 ? 7 : ri(8)], [Csr.RAFT_PLANE_EN, 7], [Csr.RAFT_RTO, 8 + ri(400)],
          [Csr.RAFT_NACK_DELAY, ri(60)], [Csr.RAFT_NACK_INTERVAL, 1 + ri(150)], [Csr.RAFT_SILENCE_CYCLES, ri(300)],
          [Csr.RAFT_ACK_GAP, r() < 0.3 ? 0 : 1 + ri(16)],
        ];
        if (r() < 0.1) w.push([Csr.RAFT_TERM, -1]);
        if (rf() < 0.15) { const mk = fmask(); for (const n of nics) n.writeCsr(Csr.RAFT_REPLY_MASK, mk); }
        if (chainPos !== 'none' && rc() < 0.15) {
          // the chain relinked (a successor changed or removed, the tail bit), or a middle's role flipped
          const cw = rc() < 0.8 ? chainWord() : rci(0x200);
          for (const n of nics) n.writeCsr(Csr.RAFT_CHAIN, cw);
          if (chainPos === 'middle' && rc() < 0.3) { const ro = rc() < 0.7 ? 3 : 1; for (const n of nics) n.writeCsr(Csr.RAFT_ROLE, ro); }
        }
        let [a, x] = pick(w);
        if (a === Csr.RAFT_TERM) x = r() < 0.7 ? ++term : term;
        const fl = r() < 0.5;
        for (const n of nics) { n.writeCsr(a, x); if (fl) n.flush(); }
      } else if (kind < 0.86) {
        for (const n of nics) n.clearCounters();
      } else if (kind < 0.92) {
        const idx = ri(Math.max(sentReqs, nextAppend) + 4);
        const a = v.logRead(idx), b = m.logRead(idx);
        const d = same(`logRead(${idx})`, a, b);
        if (d) return d;
      } else if (kind < 0.95) {
        const idx = ri(Math.max(sentReqs, nextAppend) + 4);
        const f = r() < 0.8 ? validFrame() : payload();
        const data = f.length ? f : new Uint8Array(1);
        for (const n of nics) n.logWrite(idx, data);
      } else if (kind < 0.97) {
        const a = v.readCounters(), b = m.readCounters();
        const d = same('readCounters', a, b);
        if (d) return d;
      } else {
        for (const n of nics) n.flush();
      }
      const d = drain();
      if (d) return `${d}\n  (round ${round})`;
      if (deep) {
        // DIFF_DEEP=1: compare the state after every operation (the reads shift the timing of both alike)
        const dd = same(`round ${round} registers`, v.readCsrs(RAFT_REGS), m.readCsrs(RAFT_REGS));
        if (dd) return dd;
      }
    }
    for (const n of nics) n.step(5000);
    const d = drain();
    if (d) return d;
    const vc = v.readCounters();
    const dc = same('counters', vc, m.readCounters());
    if (dc) return dc;
    for (const [k, x] of Object.entries(vc)) stats.ctr.set(k, (stats.ctr.get(k) ?? 0n) + x);
    for (let sel = 0; sel < params.MAX_NODES; sel++) {
      for (const n of nics) n.writeCsr(Csr.RAFT_MATCH_SEL, sel);
      const a = v.readCsrs([...RAFT_REGS, Csr.RAFT_CHAIN]), b = m.readCsrs([...RAFT_REGS, Csr.RAFT_CHAIN]);
      const dr = same(`raft registers (MATCH_SEL ${sel})`, a, b);
      if (dr) return dr;
    }
    const hi = Math.max(sentReqs, nextAppend) + 2;
    for (let i = Math.max(0, hi - 40); i <= hi; i++) {
      const dl = same(`logRead(${i})`, v.logRead(i), m.logRead(i));
      if (dl) return dl;
    }
    return drain();
  } finally {
    v.close();
    m.close();
  }
}

// The RTL the model is compared with: the working tree's hw/rtl. When it is not the revision the model
// implements (ModelNic.RTL_REVISION) the test says so, and a difference means the model has to follow
// the RTL. DIFF_RTL=pinned (opt-in) compares with that revision instead, taken from git into build/
// (read-only on the repository), e.g. to keep checking the model while it catches up with the RTL.
function pickRtl(): { dir?: string; note: string } {
  const rev = ModelNic.RTL_REVISION;
  const rtl = join(ROOT, 'hw/rtl');
  try {
    const git = (...a: string[]): string => execFileSync('git', ['-C', ROOT, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = git('ls-tree', '--name-only', rev, 'hw/rtl/').split('\n').filter((f) => /\.s?vh?$/.test(f)).map((f) => basename(f)).sort();
    const here = readdirSync(rtl).filter((f) => /\.s?vh?$/.test(f)).sort();
    const same = files.join() === here.join() && files.every((f) => git('show', `${rev}:hw/rtl/${f}`) === readFileSync(join(rtl, f), 'utf8'));
    if (process.env.DIFF_RTL === 'pinned') {
      if (same) return { note: `hw/rtl is the revision the model implements (${rev}); DIFF_RTL=pinned changes nothing` };
      const dir = join(ROOT, 'build', `model-rtl-${rev}`);
      mkdirSync(dir, { recursive: true });
      for (const f of files) writeFileSync(join(dir, f), git('show', `${rev}:hw/rtl/${f}`));
      return { dir, note: `DIFF_RTL=pinned: comparing with the RTL of ${rev}, the revision ModelNic implements (extracted into ${dir}), not with the working tree's hw/rtl` };
    }
    if (same) return { note: `hw/rtl is the revision the model implements (${rev})` };
    return { note: `NOTE: hw/rtl differs from ${rev}, the revision ModelNic implements; comparing with the working tree's hw/rtl (a difference below means the model must follow the RTL; DIFF_RTL=pinned compares with ${rev})` };
  } catch {
    return { note: `git unavailable: comparing with the working tree's hw/rtl (the model implements ${rev})` };
  }
}
const rtlChoice = pickRtl();
const savedRtlDir = process.env.NICRAFT_RTL_DIR;
if (rtlChoice.dir) process.env.NICRAFT_RTL_DIR = rtlChoice.dir;
console.log(`[diff] ${rtlChoice.note}`);

const single = process.env.SEED !== undefined ? Number(process.env.SEED) : undefined;
const nSeeds = Number(process.env.DIFF_SEEDS ?? 24);
const seeds = single !== undefined ? [single] : Array.from({ length: nSeeds }, (_, i) => 1 + i);
const rounds = Number(process.env.DIFF_ROUNDS ?? 400);
const deep = process.env.DIFF_DEEP === '1';
const stats: Stats = { ops: 0, tx: 0, host: 0, followerReplies: 0, chainSeeds: 0, forwarded: 0, reasons: new Map(), ctr: new Map() };

describe('VerilatedNic vs ModelNic', () => {
  it("make build builds the small variant (the Makefile's DIFF_SMALL)", () => {
    const line = readFileSync(join(ROOT, 'Makefile'), 'utf8').split('\n').find((l) => l.startsWith('DIFF_SMALL :='));
    expect(line, 'DIFF_SMALL in the Makefile').toBeDefined();
    const made = Object.fromEntries(line!.slice('DIFF_SMALL :='.length).trim().split(/\s+/).map((g) => {
      const m = /^-G(\w+)=(\d+)$/.exec(g);
      if (!m) throw new Error(`DIFF_SMALL: not -GNAME=N: ${g}`);
      return [m[1]!, Number(m[2])];
    }));
    expect(made).toEqual(VARIANTS[2]);
  });

  it('builds the variants', async () => {
    // in a child process: a synchronous build would block this worker for a minute or more
    for (const vp of VARIANTS) {
      const v = variantOf(vp);
      if (existsSync(join(buildDir(v), 'libnicraft_sim.so'))) continue;
      const args = Object.entries(v.params ?? {}).map(([k, x]) => `-G${k}=${x}`);
      await run(process.execPath, ['--import', 'tsx', join(ROOT, 'native/build.ts'), ...args], { cwd: ROOT, env: process.env });
    }
    for (const vp of VARIANTS) libraryPath(variantOf(vp));
  }, BUILD_TIMEOUT);

  for (const seed of seeds) {
    it(`seed ${seed} (variant ${JSON.stringify(VARIANTS[seed % VARIANTS.length])})`, () => {
      const diff = runSeed(seed, rounds, stats);
      if (diff) console.log(`[diff] seed ${seed} FAILED (replay: SEED=${seed} npx vitest run test/nic/diff.test.ts)\n${diff}`);
      expect(diff).toBeNull();
    }, 300_000);
  }

  afterAll(() => {
    if (rtlChoice.dir) {
      if (savedRtlDir === undefined) delete process.env.NICRAFT_RTL_DIR;
      else process.env.NICRAFT_RTL_DIR = savedRtlDir;
    }
    console.log(`[diff] ${seeds.length} seeds (${seeds[0]}..${seeds[seeds.length - 1]}): ${stats.ops} operations, ${stats.tx} TX frames and ${stats.host} host frames compared (${stats.followerReplies} follower REPLYs among the TX frames; ${stats.chainSeeds} seeds in a chain, ${stats.forwarded} APPENDs and HEARTBEATs a chain middle forwarded); host reasons ${JSON.stringify([...stats.reasons].sort((a, b) => a[0] - b[0]))}`);
    // coverage of the features under faults (counters at the end of each seed, since the last CTR_CLEAR)
    const cov = ['APPEND_BUFFERED', 'NACK_TX', 'NACK_RX', 'RETRANSMIT_TX', 'NEEDS_REPAIR', 'DROP_FUTURE_INDEX', 'DROP_PLANE_DUP', 'DROP_REQ_DUP',
      'DROP_PLANE_OFF', 'PLANE0_TX_DROPS', 'PLANE1_TX_DROPS', 'PLANE1_DUPS', 'ACK_RX', 'COMMITTED', 'DROP_AUTH_FAIL', 'DROP_NO_KEY', 'DROP_REPLAY',
      'DROP_NOT_MEMBER', 'DROP_NOT_LEADER'];
    console.log(`[diff] final counters summed over the seeds: ${cov.map((k) => `${k} ${stats.ctr.get(k) ?? 0n}`).join(', ')}`);
    // the follower-reply path was exercised (REPLYs a follower NIC sent by REPLY_MASK)
    if (seeds.length >= 8) expect(stats.followerReplies).toBeGreaterThan(0);
    // chain replication was exercised (a middle forwarded what it took)
    if (seeds.length >= 8) expect(stats.forwarded).toBeGreaterThan(0);
    // the authentication checks were exercised (forged, replayed and unkeyed frames dropped alike in both)
    if (seeds.length >= 8) for (const k of ['DROP_AUTH_FAIL', 'DROP_NO_KEY', 'DROP_REPLAY']) expect(stats.ctr.get(k) ?? 0n, k).toBeGreaterThan(0n);
    // the membership and leader checks were exercised (node frames from non-members; APPENDs and HEARTBEATs
    // of this term or older from members other than LEADER_ID)
    if (seeds.length >= 8) for (const k of ['DROP_NOT_MEMBER', 'DROP_NOT_LEADER']) expect(stats.ctr.get(k) ?? 0n, k).toBeGreaterThan(0n);
  });
});
