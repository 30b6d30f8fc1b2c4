// Control messages sent again with the same content are new transmissions, not plane copies.
//
// The driver (ctrl/driver/replica.ts) drops a CONTROL frame whose HMAC tag it took within the last
// 100 us: the same transmission arriving through another plane. The tag used to cover the message
// content only, so a message sent again unchanged within 100 us was dropped too: the PreVote of
// a repeated pre-vote round (same term + 1, same log position), the same PreVoteResp to it, a
// repeated probe or snapshot chunk. With election timeouts under 100 us, pre-vote rounds lost
// requests and answers round after round; campaign seed 207154 (5 voters + the spare added, one
// plane, two nodes recovering after crashes and a torn write) needs the grants of all four other
// voters in one round, and no round got them for 3.4 ms after the faults stopped: every voter
// precandidate in term 2, 0 ok / 12 indeterminate. The codec now numbers each transmission in
// the header's seq, which the tag covers.
import { describe, expect, it } from 'vitest';
import { runSeed } from '../../verify/fuzz/campaign.js';
import type { ModelBackend } from '../../verify/fuzz/backend.js';
import { ModelWorld } from '../../sim/model-world.js';
import type { Message } from '../../ctrl/core/types.js';

/**
 * n1 campaigns alone: n3 is down and every frame n2 sends is lost, so n1's pre-vote rounds never
 * win and repeat in term 0 with identical content, every election timeout (40-80 us, inside the
 * copy window). n2 gets them all over an unfaulted link (`planes` copies of each).
 */
function repeatedPreVotes(planes: number): { role: string; term: number; sent: number; taken: number; copies: number } {
  const seed = 207154;
  const w = new ModelWorld({ replicas: 3, planes, seed, raft: { electionTimeoutNs: 40_000, heartbeatIntervalNs: 10_000, tickNs: 5_000 } });
  w.crash(2, 'power', 'test');
  w.addFault({ kind: 'drop', at: 0, from: [1], prob: 1 });
  const n1 = w.nodes[0]!.replica!;
  const n2 = w.nodes[1]!.replica!;
  let sent = 0;
  const encode = n1.codec.encode.bind(n1.codec);
  n1.codec.encode = (m: Message) => { if (m.to === 2) sent++; return encode(m); };
  w.run(w.us(1000));
  return { role: n1.core.role, term: n1.core.term, sent, taken: n2.stats.controlRx, copies: n2.stats.controlCopies };
}

describe('control messages: a repeat is not a plane copy', () => {
  for (const planes of [1, 2]) {
    it(`n2 takes every pre-vote n1 repeats in one term, ${planes} plane(s) (ModelWorld seed 207154)`, () => {
      const r = repeatedPreVotes(planes);
      console.log(`control copies, ${planes} plane(s): n1 ${r.role} in term ${r.term} sent ${r.sent} PreVotes to n2; n2 took ${r.taken}, dropped ${r.copies} as copies`);
      expect(r.role).toBe('precandidate');
      expect(r.term).toBe(0); // every round asked the same thing
      expect(r.sent).toBeGreaterThanOrEqual(10);
      // all taken (the last one may still be on its way)
      expect(r.taken).toBeGreaterThanOrEqual(r.sent - 1);
      expect(r.taken).toBeLessThanOrEqual(r.sent);
      // and the plane copies of each are still dropped: one per extra plane
      expect(r.copies).toBeGreaterThanOrEqual((planes - 1) * (r.taken - 1));
      expect(r.copies).toBeLessThanOrEqual((planes - 1) * r.taken);
    }, 60_000);
  }

  it('campaign seed 207154 elects again after the faults (it stayed leaderless with every voter precandidate)', () => {
    let copies = -1;
    const r = runSeed(207154, {
      outDir: 'build/fuzz-out/control-copies', traceOnFailure: false,
      instrument: (b, at, s) => {
        // one plane and no duplication fault: a control frame dropped as a copy is a lost repeat
        expect(s.planes).toBe(1);
        at(s.faultUs + 100, () => {
          const mb = b as ModelBackend;
          expect(mb.world.netStats.dup).toBe(0);
          copies = 0;
          for (let p = 0; p < mb.ports; p++) copies += mb.replica(p)?.stats.controlCopies ?? 0;
        });
      },
    });
    console.log(`seed 207154: ${r.summary}; control frames dropped as copies by 100 us after the faults: ${copies}`);
    expect(r.failures).toEqual([]);
    expect(r.stats.recoveryUs).toBeDefined();
    expect(copies).toBe(0);
  }, 60_000);
});
