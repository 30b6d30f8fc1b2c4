// Issue 15, bug 2: the client gave up during an ordinary election. A deposed leader (n3, which
// removed itself) answers NOT_LEADER naming no leader while a follower (n4) still names n3; the
// client bounced between them, backed off only every second attempt and spent its 8 attempts in
// 73 us of a 125-us election (campaign seed 961 of the pre-swarm draw). The retry policy now backs
// off on every refusal (doubling), and an operation has a budget in time.
import { describe, expect, it } from 'vitest';
import { KvClient, type Outcome } from '../../ctrl/app/client.js';
import { KvStore, Status, replyFrame } from '../../ctrl/app/kv.js';
import { decodeHeader } from '../../ctrl/wire/wire.gen.js';
import { runSeed } from '../../verify/fuzz/campaign.js';

const US = 1000;

/**
 * Four nodes; until `electedAtUs` there is no leader: n3 (the old leader) refuses naming nobody,
 * n4 names n3, n1 and n2 are silent (candidates whose frames are lost). From `electedAtUs` on n1
 * leads and executes; the others name n1. Replies take 1 us.
 */
function election(electedAtUs: number, client: Partial<ConstructorParameters<typeof KvClient>[0]>) {
  let now = 0;
  const kv = new KvStore();
  let index = 0;
  const inflight: Array<{ at: number; frame: Uint8Array }> = [];
  const sends: Array<{ atUs: number; to: number }> = [];
  const refusals: number[] = []; // times (us) of the NOT_LEADER replies delivered
  const c = new KvClient({
    clientId: 7, clusterId: 1, nodes: [1, 2, 3, 4], attemptTimeoutNs: 40 * US, maxAttempts: 8,
    ...client,
    transport: {
      send(to, frame) {
        sends.push({ atUs: now / US, to });
        const h = decodeHeader(frame);
        const elected = now >= electedAtUs * US;
        let reply;
        if (elected && to === 1) {
          const r = kv.apply({ index: ++index, term: 6, frame })!;
          reply = replyFrame(1, 1, r.clientId, r.seq, r.index, 6, r.reply);
        } else if (elected) reply = replyFrame(1, to, h.clientId, h.seq, 0, 6, { status: Status.NOT_LEADER, leader: 1 });
        else if (to === 3) reply = replyFrame(1, 3, h.clientId, h.seq, 0, 5, { status: Status.NOT_LEADER, leader: 0 });
        else if (to === 4) reply = replyFrame(1, 4, h.clientId, h.seq, 0, 5, { status: Status.NOT_LEADER, leader: 3 });
        if (reply) inflight.push({ at: now + 1 * US, frame: reply });
      },
    },
  });
  const outs: Array<{ o: Outcome; atUs: number }> = [];
  // the client believes n3 leads (it did)
  (c as unknown as { leader: number }).leader = 3;
  const run = (untilUs: number): void => {
    while (now < untilUs * US && outs.length === 0) {
      now += 250; // the host polls every 250 ns
      for (let i = 0; i < inflight.length;) {
        if (inflight[i]!.at <= now) {
          const f = inflight.splice(i, 1)[0]!.frame;
          if (decodeHeader(f).logIndex === 0) refusals.push(now / US);
          c.receive(f, now);
        } else i++;
      }
      c.tick(now);
    }
  };
  c.invoke({ op: 'get', key: 'k0' }, (o) => outs.push({ o, atUs: now / US }));
  return { run, outs, sends, refusals };
}

describe('the client retry policy (issue 15, bug 2)', () => {
  it('survives a 125-us election with the settings of seed 961 (attempt timeout 40 us, 8 attempts)', () => {
    const e = election(125, {});
    e.run(2000);
    expect(e.outs.length).toBe(1);
    expect(e.outs[0]!.o.kind).toBe('ok');
    expect(e.outs[0]!.atUs).toBeGreaterThanOrEqual(125);
    expect(e.sends.at(-1)!.to).toBe(1);
  });

  it('backs off after every refusal, longer with each refusal in a row', () => {
    const e = election(400, { maxAttempts: Infinity, retryBudgetNs: 1000 * US });
    e.run(2000);
    expect(e.outs[0]!.o.kind).toBe('ok');
    // every attempt after a refusal during the election waited at least the first backoff (10 us)
    const during = e.sends.filter((s) => s.atUs < 400);
    const gaps = during.slice(1).map((s, i) => s.atUs - during[i]!.atUs);
    expect(gaps.length).toBeGreaterThan(3);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(10);
    // doubling up to the cap (the attempt timeout, 40 us)
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(40);
    expect(gaps.slice(0, 3)).toEqual([...gaps.slice(0, 3)].sort((a, b) => a - b));
  });

  it('a budget in time, not a count: with unlimited attempts the operation ends when the budget is spent', () => {
    const e = election(1e9, { maxAttempts: Infinity, retryBudgetNs: 300 * US });
    e.run(5000);
    expect(e.outs.length).toBe(1);
    // n3 got more than one attempt, so its refusals do not prove the read did not run: indeterminate
    expect(e.outs[0]!.o.kind).toBe('indeterminate');
    expect(e.outs[0]!.atUs).toBeGreaterThanOrEqual(300);
    expect(e.outs[0]!.atUs).toBeLessThanOrEqual(300 + 40 + 2);
  });

  it('campaign seed 961 of the pre-swarm draw (--draw 1 --us 3000 --planes 1): the final reads complete', () => {
    const r = runSeed(961, { draw: 1, faultUs: 3000, planes: 1, outDir: 'build/fuzz-out/client-retry', traceOnFailure: false });
    expect(r.failures.filter((f) => /final reads/.test(f))).toEqual([]);
    expect(r.ok, r.failures.join('\n')).toBe(true);
  }, 60_000);
});

describe('the client and the NIC payload limit', () => {
  it('refuses a command larger than the NICs accept at once, with a clear reason, and sends nothing', () => {
    const sent: number[] = [];
    const c = new KvClient({ clientId: 3, clusterId: 1, nodes: [1, 2, 3], attemptTimeoutNs: 40 * US, maxAttempts: 8, transport: { send: (to) => sent.push(to) } });
    const outs: Outcome[] = [];
    c.invoke({ op: 'put', key: 'k', value: new Uint8Array(300) }, (o) => outs.push(o));
    expect(outs).toEqual([{ kind: 'failed', reason: "the put command of 308 bytes exceeds the NICs' MAX_PAYLOAD of 256 bytes (not sent)" }]);
    expect(sent).toEqual([]);
    c.invoke({ op: 'put', key: 'k', value: new Uint8Array(200) }, (o) => outs.push(o));
    expect(sent).toEqual([1]); // the next one goes out
  });
});
