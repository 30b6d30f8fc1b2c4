// The fault campaigns' network attacker (issue 16 item 5; docs/fuzz.md "The attacker"). It sits on
// the links into the NICs: it taps every frame that enters the fabric, and injects frames of every
// type into a NIC's input, past the switch and its faults: forged (valid header, no key: ICV zero or
// random, or naming the key slot no NIC has installed; plausible terms and indices or far-off ones),
// bit-flipped copies of captured frames, verbatim replays of captured frames (recent and old), frames
// with a garbage header and truncated frames. What it injects is drawn from the seed (drawAttack, a
// stream of its own), what it captured from the run.
//
// What is checked (exactly, on every seed):
//   * no command the attacker made is ever applied or executed anywhere (forged commands carry
//     sequence numbers no client reaches; a copy whose payload bytes were flipped is recorded);
//   * no node's term exceeds the highest term a legitimate candidate started (the core reports each
//     real election it starts; one started from a term above that bound fails at once);
//   * drop accounting, per burst at its target NIC (counters read just before the burst and 5 us
//     after it, skipped if the node crashed or restarted in between or restarted within 20 us):
//     every injected frame that is not a verbatim replay and that the NIC's authentication covers (a
//     whole header with the nicraft ethertype) is counted as DROP_NO_KEY if it names a key slot the NIC
//     has not installed, else DROP_AUTH_FAIL, exactly (legitimate traffic never fails authentication:
//     a link fault's corrupted frame is a MAC error), allowing only for RX buffer overflows; every
//     other such frame (garbage, short) is counted by some drop counter (DROPPED, at least that many).
//   Verbatim replays are not required to be dropped: the first copy to reach a NIC whose window has
//   not seen it (a restarted NIC, a frame lost on the way) is as good as a late frame; Raft's own
//   rules must hold for them, and the campaign's other checks (one log, exactly once, election
//   safety, linearizability) still run.

import { ETHERTYPE, HDR_BYTES, MAC_GROUP, MsgType, nodeMac, type CounterName } from '../../ctrl/wire/wire.gen.js';
import { Draw, type AttackBurst, type AttackFrame, type AttackHow } from './schedule.js';

/** sequence numbers of forged commands: no client gets this far */
export const FORGED_SEQ_BASE = 0x7a00_0000;

/** What the attacker needs of a world (verify/fuzz/backend.ts). */
export interface AttackWorld {
  readonly ports: number;
  readonly planes: number;
  nowUs(): number;
  up(port: number): boolean;
  /** the frame enters port's NIC input on the plane now (false: the node is down) */
  injectRx(port: number, plane: number, frame: Uint8Array): boolean;
  /** the NIC's counters now (undefined: down) */
  counters(port: number): Record<CounterName, bigint> | undefined;
  /** the key slots installed at the port's NIC (bit s: slot s; both classes are rolled together) */
  keySlots(port: number): number;
  /** the node's term and its replica's view, for plausible forgeries */
  view(port: number): { term: number; lastIndex: number; commit: number; leader: number } | undefined;
}

interface Captured { frame: Uint8Array; src: number; plane: number; atUs: number }

export interface AttackStats {
  bursts: number;
  frames: number;
  /** bursts whose target was down, or whose counters could not be compared (a crash or restart in the window) */
  skipped: number;
  /** frames counted as expected: covered by authentication (AUTH_FAIL/NO_KEY), other malformed ones */
  expectAuth: number;
  expectNoKey: number;
  expectOther: number;
  /** counter deltas summed over the compared bursts */
  authFail: number;
  noKey: number;
  replay: number;
  dropped: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const u32 = (f: Uint8Array, o: number): number => (((f[o]! << 24) | (f[o + 1]! << 16) | (f[o + 2]! << 8) | f[o + 3]!) >>> 0);

/** A command's identity as the state machine sees it: client id, sequence number, payload. */
export function commandKey(frame: Uint8Array): string {
  const len = frame.length >= HDR_BYTES ? ((frame[42]! << 8) | frame[43]!) : 0;
  return `${u32(frame, 34)}:${u32(frame, 38)}:${hex(frame.subarray(HDR_BYTES, HDR_BYTES + len))}`;
}

export class Attacker {
  readonly stats: AttackStats = { bursts: 0, frames: 0, skipped: 0, expectAuth: 0, expectNoKey: 0, expectOther: 0, authFail: 0, noKey: 0, replay: 0, dropped: 0 };
  /** command keys of forged commands and of copies whose payload the attacker changed */
  readonly forged = new Set<string>();
  private readonly recent: Captured[] = [];
  private readonly old: Captured[] = [];
  private seen = 0;
  private readonly rnd: Draw;
  private nextId = 1;
  /** per port: generation (crashes and restarts) and the time of the last restart */
  private readonly gen: number[];
  private readonly restartUs: number[];
  private readonly busyUntilUs: number[];

  constructor(
    private readonly w: AttackWorld,
    seed: number,
    private readonly clients: number,
    private readonly fail: (msg: string) => void,
    private readonly note: (line: string) => void,
    private readonly at: (us: number, fn: () => void) => void,
  ) {
    this.rnd = new Draw(((seed ^ 0x52414e44) + 7) >>> 0);
    this.gen = Array.from({ length: w.ports }, () => 0);
    this.restartUs = Array.from({ length: w.ports }, () => -1e9);
    this.busyUntilUs = Array.from({ length: w.ports }, () => -1e9);
  }

  /** a frame entered the fabric (the tap) */
  capture(src: number, plane: number, frame: Uint8Array): void {
    if (frame.length < HDR_BYTES) return;
    const c: Captured = { frame: frame.slice(), src, plane, atUs: this.w.nowUs() };
    this.recent.push(c);
    if (this.recent.length > 48) this.recent.shift();
    // old frames: a sample kept for the whole run (the first ones, then one in 64)
    if (this.old.length < 16 || this.seen % 64 === 0) {
      if (this.old.length >= 32) this.old.splice(this.rnd.int(this.old.length), 1);
      this.old.push(c);
    }
    this.seen++;
  }

  crashed(port: number): void { this.gen[port]!++; }
  restarted(port: number): void { this.gen[port]!++; this.restartUs[port] = this.w.nowUs(); }

  fire(b: AttackBurst): void {
    const w = this.w;
    const port = b.target % w.ports;
    const plane = b.plane % w.planes;
    const fail = (m: string): void => this.fail(`attacker accounting: ${m}`);
    // bursts are drawn independently: one that falls in the window of the last burst at this port
    // waits for that window to end (the counters of each burst are compared on their own)
    if (w.nowUs() < this.busyUntilUs[port]!) { this.at(this.busyUntilUs[port]!, () => this.fire(b)); return; }
    this.stats.bursts++;
    if (!w.up(port)) { this.stats.skipped++; return; }
    const frames = b.frames.map((f) => this.make(f, port));
    const before = w.counters(port);
    const gen = this.gen[port]!;
    this.busyUntilUs[port] = w.nowUs() + 10;
    const fresh = w.nowUs() - this.restartUs[port]! < 20;
    let expAuth = 0, expNoKey = 0, expOther = 0;
    const kinds: string[] = [];
    for (const { frame, how, replay, zeroTail } of frames) {
      if (!w.injectRx(port, plane, frame)) continue;
      this.stats.frames++;
      kinds.push(`${how}:${frame.length >= 16 ? frame[15] : '-'}`);
      const whole = frame.length >= HDR_BYTES && ((frame[12]! << 8) | frame[13]!) === ETHERTYPE;
      const slotGone = whole && !(w.keySlots(port) & (1 << (frame[44]! & 1)));
      // a verbatim replay of a frame signed under a key rolled away since: NO_KEY, exactly
      if (replay) { if (slotGone) expNoKey++; continue; }
      // an authentic frame cut short by trailing zero bytes only keeps its tag (the Toeplitz sum
      // ignores them): authentication passes, the parser drops it (BAD_LENGTH, docs/auth.md)
      const covered = !zeroTail && whole;
      if (covered && slotGone) expNoKey++;
      else if (covered) expAuth++;
      else expOther++;
    }
    this.note(`attacker: ${frames.length} frames into n${port + 1} plane ${plane}: ${kinds.join(' ')}`);
    if (!before || fresh) { this.stats.skipped++; return; }
    this.at(w.nowUs() + 5, () => {
      if (this.gen[port] !== gen || !w.up(port)) { this.stats.skipped++; return; }
      const after = w.counters(port);
      if (!after) { this.stats.skipped++; return; }
      const d = (k: CounterName): number => Number(after[k] - before[k]);
      const auth = d('DROP_AUTH_FAIL'), noKey = d('DROP_NO_KEY'), overflow = d('DROP_RX_OVERFLOW'), dropped = d('DROPPED');
      this.stats.expectAuth += expAuth; this.stats.expectNoKey += expNoKey; this.stats.expectOther += expOther;
      this.stats.authFail += auth; this.stats.noKey += noKey; this.stats.replay += d('DROP_REPLAY'); this.stats.dropped += dropped;
      const where = `n${port + 1} plane ${plane}, burst at ${b.atUs} us`;
      if (noKey > expNoKey || noKey < expNoKey - overflow) fail(`${where}: DROP_NO_KEY +${noKey}, expected ${expNoKey} (RX overflows +${overflow})`);
      if (auth > expAuth || auth < expAuth - overflow) fail(`${where}: DROP_AUTH_FAIL +${auth}, expected ${expAuth} (RX overflows +${overflow})`);
      if (dropped < expAuth + expNoKey + expOther) fail(`${where}: DROPPED +${dropped}, fewer than the ${expAuth + expNoKey + expOther} injected frames that must be dropped`);
    });
  }

  private pick(list: Captured[], type: number): Captured | undefined {
    if (!list.length) return undefined;
    const same = list.filter((c) => c.frame[15] === type);
    const from = same.length && this.rnd.chance(0.7) ? same : list;
    return from[this.rnd.int(from.length)];
  }

  private make(f: AttackFrame, port: number): { frame: Uint8Array; how: AttackHow; replay: boolean; zeroTail?: boolean } {
    switch (f.how) {
      case 'replay-recent':
      case 'replay-old': {
        const c = this.pick(f.how === 'replay-old' ? this.old : this.recent, f.type);
        if (c) return { frame: c.frame.slice(), how: f.how, replay: true };
        return { frame: this.forge(f, port), how: 'forge', replay: false };
      }
      case 'flip': {
        const c = this.pick(this.recent, f.type);
        if (!c) return { frame: this.forge(f, port), how: 'forge', replay: false };
        const x = c.frame.slice();
        const bit = f.r % (x.length * 8);
        x[bit >> 3] = x[bit >> 3]! ^ (1 << (bit & 7));
        // a changed command (its payload bytes): recorded, it must never be applied
        if ((x[15] === MsgType.REQ || x[15] === MsgType.APPEND) && bit >> 3 >= HDR_BYTES) this.forged.add(commandKey(x));
        return { frame: x, how: 'flip', replay: false };
      }
      case 'truncate': {
        const c = this.pick(this.recent, f.type);
        const src = c ? c.frame : this.forge(f, port);
        const len = 14 + (f.r % Math.max(1, src.length - 14));
        const zeroTail = !!c && src.subarray(len).every((x) => x === 0);
        return { frame: src.slice(0, len), how: 'truncate', replay: false, zeroTail };
      }
      case 'garbage': {
        const len = 14 + (f.r % 107);
        const x = new Uint8Array(len);
        for (let i = 0; i < len; i++) x[i] = this.rnd.int(256);
        if (f.r & 1 && len >= 16) { x[12] = ETHERTYPE >> 8; x[13] = ETHERTYPE & 0xff; x[14] = 1; x[15] = f.type; }
        return { frame: x, how: 'garbage', replay: false };
      }
      case 'forge':
        return { frame: this.forge(f, port), how: 'forge', replay: false };
    }
  }

  /** A frame with a valid header of type f.type, no valid ICV, fields plausible for the target. */
  private forge(f: AttackFrame, port: number): Uint8Array {
    const w = this.w;
    const v = w.view(port) ?? { term: 1, lastIndex: 0, commit: 0, leader: 0 };
    const id = this.nextId++;
    const term = f.term === 'same' ? v.term : f.term === 'next' ? v.term + 1 : f.term === 'far' ? v.term + 1000 : 0xffff_ffff;
    const leader = v.leader > 0 ? v.leader : 1 + (f.r % w.ports);
    const me = port + 1;
    const other = 1 + ((port + 1 + (f.r % Math.max(1, w.ports - 1))) % w.ports);
    const client = 1 + (f.r % Math.max(1, this.clients + 1));
    const seq = FORGED_SEQ_BASE + id;
    const isCmd = f.type === MsgType.REQ || f.type === MsgType.APPEND;
    const text = isCmd ? `\u0001forged#${id}` : f.type === MsgType.CONTROL ? `ctl${id}` : '';
    const payload = new TextEncoder().encode(text);
    const fromClient = f.type === MsgType.REQ;
    const src = fromClient ? 0xff : f.type === MsgType.APPEND || f.type === MsgType.HEARTBEAT ? leader : other;
    const x = new Uint8Array(Math.max(60, HDR_BYTES + payload.length));
    const put = (o: number, n: number, b: number): void => { for (let i = 0; i < b; i++) x[o + i] = Math.floor(n / 2 ** (8 * (b - 1 - i))) & 0xff; };
    put(0, fromClient ? nodeMac(me) : f.type === MsgType.APPEND || f.type === MsgType.HEARTBEAT ? MAC_GROUP : nodeMac(me), 6);
    put(6, fromClient ? 0x024e43000000 + client : nodeMac(src), 6);
    put(12, ETHERTYPE, 2);
    x[14] = 1;
    x[15] = f.type;
    put(16, 1, 2); // cluster id
    x[18] = 0;
    x[19] = src;
    x[20] = f.type === MsgType.APPEND || f.type === MsgType.HEARTBEAT ? 0xff : me;
    put(22, term, 4);
    put(26, f.type === MsgType.APPEND ? v.lastIndex + 1 : v.lastIndex + (f.r % 3), 4);
    put(30, v.commit + (f.r % 2), 4);
    put(34, isCmd || f.type === MsgType.REPLY ? client : 0, 4);
    put(38, seq, 4);
    put(42, payload.length, 2);
    // 'slot1': the key slot the NIC has not installed (slot 1 but after a key roll; while a roll has
    // both installed, slot 1); otherwise a slot it has (slot 0 but after a roll)
    const inst = w.keySlots(port);
    x[44] = f.auth === 'slot1' ? ((inst & 3) === 2 ? 0 : 1) : (inst & 1 ? 0 : 1);
    put(46, 2 ** 40 + id * 7 + (f.r % 5), 6); // a packet number ahead of every window
    if (f.auth === 'random') for (let i = 52; i < 60; i++) x[i] = this.rnd.int(256);
    x.set(payload, HDR_BYTES);
    if (isCmd) this.forged.add(commandKey(x));
    return x;
  }
}
