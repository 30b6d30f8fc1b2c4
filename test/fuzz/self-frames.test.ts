// A NIC frame naming the receiving node as its sender (fuzz seeds 5379 and 5397, draw 2): the switches
// never return a node's frame to it, so such a frame is a replay of one of the node's own frames (with
// frame authentication the only kind whose tag checks: the node signed it) or a forgery. The core used
// to take the sender of a punted APPEND or HEARTBEAT of its term as the leader when it knew none: an
// attacker's replay of a removed node's old HEARTBEAT made it follow itself and answer every client
// "busy, retry here" (NOT_LEADER naming itself), so a client that asked it never got an answer. Now the
// core drops such frames and counts them (status refused.selfFrames), and a follower naming itself as
// the leader is a core invariant violation.
import { describe, expect, it } from 'vitest';
import { ModelWorld } from '../../sim/model-world.js';
import { encodeFrame, MsgType, nodeMac, MAC_GROUP } from '../../ctrl/wire/wire.gen.js';

function selfFrame(type: number, node: number, term: number, index: number, seq: number): Uint8Array {
  return encodeFrame({
    dstMac: type === MsgType.HEARTBEAT ? MAC_GROUP : nodeMac(node), srcMac: nodeMac(node), type, clusterId: 1, flags: 0,
    srcNode: node, dstNode: 0, term, logIndex: index, commitIndex: index, clientId: 0, seq,
  }, type === MsgType.APPEND ? new TextEncoder().encode('put x SELF') : new Uint8Array(0));
}

describe('frames naming the receiver as their sender', () => {
  for (const planes of [1, 2]) {
    it(`${planes} plane(s): leaderless followers drop them, count them and elect a leader`, () => {
      const seed = 5379 + planes;
      console.log(`self frames: ModelWorld seed ${seed}`);
      const w = new ModelWorld({ replicas: 3, planes, seed, raft: { electionTimeoutNs: 60_000, heartbeatIntervalNs: 12_000, tickNs: 4_000 } });
      const replicas = w.nodes.map((n) => n.replica!);
      let seq = 1;
      let sent = 0;
      // before any election every node is a follower of term 0 that knows no leader: the state in which
      // the core took a frame's sender as the leader. Frames of the current term, every few microseconds
      // until a leader is elected and after (the term moves: each round uses each node's own term).
      for (let round = 0; round < 60; round++) {
        for (const r of replicas) {
          for (const type of [MsgType.HEARTBEAT, MsgType.APPEND]) {
            for (let plane = 0; plane < planes; plane++) {
              w.injectRx(r.core.id - 1, plane, selfFrame(type, r.core.id, r.core.term, r.core.status().lastIndex + 1, seq++));
              sent++;
            }
          }
        }
        w.run(w.us(5));
        for (const r of replicas) {
          expect(r.core.role === 'leader' || r.core.status().lead !== r.core.id, `n${r.core.id} (${r.core.role}) names itself as the leader`).toBe(true);
        }
      }
      w.run(w.us(300));
      const self = replicas.map((r) => r.core.status().refused.selfFrames);
      const leaders = replicas.filter((r) => r.core.role === 'leader');
      console.log(`  ${sent} frames; dropped as self frames per node ${self.join('/')}; leader ${leaders.map((r) => `n${r.core.id}`).join(',')} term ${leaders[0]?.core.term}`);
      expect(leaders).toHaveLength(1);
      for (const r of replicas) if (r !== leaders[0]) expect(r.core.status().lead).toBe(leaders[0]!.core.id);
      // the frames that reached a host were counted (a follower NIC with its fast path on drops them itself: NOT_LEADER)
      expect(self.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    }, 60_000);
  }
});
