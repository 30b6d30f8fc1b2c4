// The KV client's read spreading (issue 19): readFrom 'any' sends gets round robin over the
// replicas, a refusal (NOT_LEADER: no read lease) or a silent replica falls back to the leader,
// and the outcome says which path answered.
import { describe, expect, it } from 'vitest';
import { KvClient, type Outcome } from '../../ctrl/app/client.js';
import { replyFrame, Status } from '../../ctrl/app/kv.js';
import { decodeHeader } from '../../ctrl/wire/wire.gen.js';

function client(readFrom: 'leader' | 'any') {
  const sent: number[] = [];
  const frames: Uint8Array[] = [];
  const kv = new KvClient({
    clientId: 5, clusterId: 1, nodes: [1, 2, 3], attemptTimeoutNs: 10_000, maxAttempts: 10, readFrom,
    transport: { send: (to, f) => { sent.push(to); frames.push(f); } },
  });
  const reply = (from: number, r: Parameters<typeof replyFrame>[6]): void => {
    const seq = decodeHeader(frames[frames.length - 1]!).seq;
    kv.receive(replyFrame(1, from, 5, seq, 0, 1, r), 0);
  };
  return { kv, sent, reply };
}

describe('KvClient readFrom', () => {
  it("'any': gets go round robin; a replica's answer names the leader and is reported as path 'replica'", () => {
    const c = client('any');
    const outs: Outcome[] = [];
    for (let i = 0; i < 3; i++) {
      c.kv.invoke({ op: 'get', key: 'k' }, (o) => outs.push(o));
      const to = c.sent[c.sent.length - 1]!;
      if (to === 1) c.reply(1, { status: Status.OK, value: new Uint8Array([65]) });
      else c.reply(to, { status: Status.OK, value: new Uint8Array([65]), leader: 1 });
    }
    expect(c.sent).toEqual([1, 2, 3]);
    expect(outs.map((o) => (o.kind === 'ok' ? `${o.path}@${o.node}` : o.kind))).toEqual(['leader@1', 'replica@2', 'replica@3']);
    expect(c.kv.leaderGuess()).toBe(1);
    expect(c.kv.stats).toMatchObject({ readsByReplica: 2, readsByLeader: 1, readFallbacks: 0 });
  });

  it("'any': a replica without a lease refuses and the get goes to the leader at once; a silent one after the timeout", () => {
    const c = client('any');
    let out: Outcome | undefined;
    c.kv.invoke({ op: 'get', key: 'k' }, () => {}); // to 1 (the leader guess)
    c.reply(1, { status: Status.OK });
    c.kv.invoke({ op: 'get', key: 'k' }, (o) => { out = o; }); // to 2
    c.reply(2, { status: Status.NOT_LEADER, leader: 1 });
    expect(c.sent).toEqual([1, 2, 1]);
    c.reply(1, { status: Status.NOT_FOUND });
    expect(out).toMatchObject({ kind: 'ok', path: 'leader', node: 1 });
    c.kv.invoke({ op: 'get', key: 'k' }, () => {}); // to 3, which never answers
    c.kv.tick(20_000);
    expect(c.sent).toEqual([1, 2, 1, 3, 1]);
    expect(c.kv.leaderGuess()).toBe(1); // a silent replica is not taken for a failed leader
    expect(c.kv.stats.readFallbacks).toBe(2);
  });

  it("'leader' (default): every get goes to the leader; writes always do", () => {
    const c = client('leader');
    for (let i = 0; i < 3; i++) {
      c.kv.invoke({ op: 'get', key: 'k' }, () => {});
      c.reply(1, { status: Status.OK });
    }
    const a = client('any');
    a.kv.invoke({ op: 'put', key: 'k', value: new Uint8Array([1]) }, () => {});
    a.reply(1, { status: Status.OK });
    a.kv.invoke({ op: 'put', key: 'k', value: new Uint8Array([1]) }, () => {});
    expect(c.sent).toEqual([1, 1, 1]);
    expect(a.sent).toEqual([1, 1]);
  });
});
