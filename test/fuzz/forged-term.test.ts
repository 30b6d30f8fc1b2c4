// Terms move only through authenticated messages (issue 16, item 2). A NIC frame's header carries no
// authentication (only CONTROL frames carry the cluster's HMAC), and the core used to adopt a newer
// term from any frame its NIC punted: one forged HEARTBEAT with term 1001 sent to the leader made
// it step down (term 1 -> 1001), and with term 2^32-1 no node could ever campaign again (the term is
// persisted). Here an attacker on the wire sends every replication frame type (APPEND, HEARTBEAT,
// ACK, NACK) with a newer term, claiming to come from a member, to every node of a ModelNic world
// under a client load: no node's term moves, the leader stays, writes go on committing, and the
// frames are counted (core status refused.newerTermFrames).
import { describe, expect, it } from 'vitest';
import { ModelWorld } from '../../sim/model-world.js';
import { encodeFrame, MsgType, nodeMac, MAC_GROUP } from '../../ctrl/wire/wire.gen.js';
import { encodeCommand } from '../../ctrl/app/kv.js';

const TYPES = [MsgType.HEARTBEAT, MsgType.APPEND, MsgType.ACK, MsgType.NACK] as const;

function forged(type: number, from: number, to: number | 'group', clusterId: number, term: number, index: number, seq: number): Uint8Array {
  return encodeFrame({
    dstMac: to === 'group' ? MAC_GROUP : nodeMac(to), srcMac: nodeMac(from), type, clusterId, flags: 0,
    srcNode: from, dstNode: to === 'group' ? 0 : to, term, logIndex: index, commitIndex: index, clientId: 7, seq,
  }, type === MsgType.APPEND ? new TextEncoder().encode('put victim FORGED') : new Uint8Array(0));
}

describe('forged terms (issue 16 item 2): a frame header never moves a term', () => {
  for (const forgedTerm of [1001, 0xffff_ffff]) {
    for (const planes of [1, 2]) {
      it(`term ${forgedTerm}, ${planes} plane(s): every frame type, to every node, claiming every member`, () => {
        const seed = 16_000 + planes;
        console.log(`forged term ${forgedTerm}: ModelWorld seed ${seed}`);
        const w = new ModelWorld({ replicas: 3, planes, seed, raft: { electionTimeoutNs: 60_000, heartbeatIntervalNs: 12_000, tickNs: 4_000 } });
        w.run(w.us(400));
        const replicas = w.nodes.map((n) => n.replica!);
        const leader = replicas.find((r) => r.core.role === 'leader');
        expect(leader, 'a leader before the attack').toBeDefined();
        const term0 = leader!.core.term;
        const commit0 = leader!.core.status().commit;
        const clusterId = 1; // ModelWorld's cluster: the forged frames pass the NIC's cluster check
        let seq = 1;
        let sent = 0;
        for (let round = 0; round < 5; round++) {
          for (const type of TYPES) {
            for (let from = 1; from <= 3; from++) {
              for (const to of [1, 2, 3, 'group'] as const) {
                if (to === from) continue;
                for (let plane = 0; plane < planes; plane++) {
                  w.inject(from - 1, plane, forged(type, from, to, clusterId, forgedTerm, commit0 + 1 + round, seq++));
                  sent++;
                }
              }
            }
          }
          // writes keep committing through the attack
          w.request(leader!.core.id - 1, { kind: 'propose', payload: encodeCommand({ op: 'put', key: `k${round}`, value: new TextEncoder().encode(`v${round}`) }) });
          w.run(w.us(100));
        }
        w.run(w.us(400));
        const terms = replicas.map((r) => r.core.term);
        const refusedAt = replicas.map((r) => r.core.status().refused.newerTermFrames);
        const after = replicas.find((r) => r.core.role === 'leader');
        console.log(`  ${sent} forged frames; terms ${terms.join('/')} (before: ${term0}); leader n${leader!.core.id} -> n${after?.core.id}; newer-term frames refused per node ${refusedAt.join('/')}; commit ${commit0} -> ${after?.core.status().commit}`);
        expect(terms).toEqual(replicas.map(() => term0));
        expect(after?.core.id).toBe(leader!.core.id);
        expect(refusedAt.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
        expect(after!.core.status().commit).toBeGreaterThan(commit0);
      }, 60_000);
    }
  }
});
