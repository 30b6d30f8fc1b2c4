// Frame authentication against the daemons (issue 16 item 1; docs/auth.md): three daemons on loopback
// (model backend, one plane) with frameAuth in their configs. The clients of `ClientPool` sign their
// REQs with the client key from cluster.yaml and their writes commit; REQs forged without the key (no
// ICV, a random ICV, the other key slot, a key derived from another secret) are dropped by the leader's
// NIC and counted in /metrics (DROP_AUTH_FAIL, DROP_NO_KEY), and none of them is applied. (Frames that
// claim to come from a member are refused earlier, by the daemon's plane filter, when they do not come
// from that member's address: test/deploy/planes.test.ts.)
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../ctrl/deploy/cluster.js';
import { ClientPool } from '../../ctrl/deploy/udp-client.js';
import { requestFrame } from '../../ctrl/app/kv.js';
import { FrameSigner, contextOf, deriveKey } from '../../ctrl/nic/auth-keys.js';
import { makeCluster, removeTempDirs, sleep } from './harness.js';

const clusters: LocalCluster[] = [];
afterAll(async () => {
  for (const lc of clusters) await lc.stopAll('SIGKILL');
  removeTempDirs();
});

function counter(metrics: string, name: string): number {
  const m = new RegExp(`nicraft_nic_counter_total\\{[^}]*counter="${name}"[^}]*\\} (\\d+)`, 'i').exec(metrics);
  if (!m) throw new Error(`no NIC counter ${name} in /metrics: ${metrics.split('\n').filter((l) => l.startsWith('nicraft_nic_counter_total')).slice(0, 3).join(' | ')}`);
  return Number(m[1]);
}

describe('deployment: frame authentication', () => {
  it('signed client writes commit; forged REQs are dropped at the NIC and counted', async () => {
    const lc = await makeCluster('auth', { backend: 'model', planes: 1, frameAuth: true });
    clusters.push(lc);
    await lc.startAll();
    const leader = await lc.waitLeader();
    expect(lc.cluster.clientAuth, 'cluster.yaml carries the client secret').toBeDefined();
    const pool = await ClientPool.open(lc.cluster, { attemptTimeoutMs: 300, maxAttempts: 40 });
    try {
      const c = pool.client();
      const ok = await c.invoke({ op: 'put', key: 'x', value: new TextEncoder().encode('acked-write') });
      expect(ok.kind).toBe('ok');
      const before = await lc.metrics(leader);
      const fail0 = counter(before, 'DROP_AUTH_FAIL'), nokey0 = counter(before, 'DROP_NO_KEY');
      // forged REQs, sent straight to the leader's plane port
      const ep = lc.cluster.members.find((m) => m.id === leader)!.planes[0]!;
      const other = new FrameSigner({ [contextOf('client', 0)]: deriveKey(new Uint8Array(32).fill(7), 'client', 0) }, undefined, 1e9);
      const forged: Uint8Array[] = [];
      for (let i = 0; i < 4; i++) {
        const f = requestFrame(lc.cluster.clusterId, 0x7000 + i, 1, leader, { op: 'put', key: 'victim', value: new TextEncoder().encode('FORGED') });
        if (i === 1) { f[52] = 0xde; f[53] = 0xad; }
        if (i === 2) f[44] = 1;
        forged.push(i === 3 ? other.sign(f, 0) : f);
      }
      const sock = createSocket('udp4');
      await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
      for (const f of forged) sock.send(f, ep.port, ep.host);
      await sleep(500);
      sock.close();
      const after = await lc.metrics(leader);
      const fail = counter(after, 'DROP_AUTH_FAIL') - fail0, nokey = counter(after, 'DROP_NO_KEY') - nokey0;
      console.log(`forged REQs: ${forged.length}; dropped at the leader's NIC: AUTH_FAIL ${fail}, NO_KEY ${nokey}`);
      expect(fail).toBe(3);
      expect(nokey).toBe(1);
      const got = await c.invoke({ op: 'get', key: 'victim' });
      expect(got.kind === 'ok' && got.reply.value !== undefined && Buffer.from(got.reply.value).toString() === 'FORGED').toBe(false);
      const x = await c.invoke({ op: 'get', key: 'x' });
      expect(x.kind).toBe('ok');
    } finally {
      pool.close();
    }
  }, 90_000);
});
