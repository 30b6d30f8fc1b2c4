// The driver (ctrl/driver/replica.ts) passes the core's refusals on: a read beyond
// maxPendingReads (the core's queue, and the driver's own reads waiting to be applied) is answered
// at once as refused + busy, counted in stats.busyRefusals; a host-path proposal the core refuses
// comes back from request() as a typed Refusal. One replica on the TypeScript NIC model.
import { describe, expect, it } from 'vitest';
import { Replica, type LocalRead } from '../../ctrl/driver/replica.js';
import { ModelNic } from '../../ctrl/nic/model.js';
import { MemStorage } from '../../ctrl/core/memstore.js';
import { SeededRand } from '../../ctrl/rand.js';
import { Csr } from '../../ctrl/wire/wire.gen.js';

const key = new TextEncoder().encode('nicraft-test-key');

function single(voters: number[], limits: { maxPendingReads?: number; maxPendingProposals?: number }): { r: Replica; nic: ModelNic } {
  const nic = new ModelNic();
  const r = new Replica({
    config: { id: 1, clusterId: 1, voters, electionTimeoutNs: 1_000_000, heartbeatIntervalNs: 100_000, rand: new SeededRand(1), ...limits },
    nic, storage: new MemStorage(), key,
  });
  return { r, nic };
}

describe('driver: bounded client queues', () => {
  it('reads beyond maxPendingReads are refused busy at once (the reads wait to be applied at a NIC commit index the host has not reached)', () => {
    const { r, nic } = single([1], { maxPendingReads: 2 });
    r.request({ kind: 'campaign' });
    expect(r.core.role).toBe('leader');
    // the NIC reports a commit index far ahead of what the host applied: each read waits here
    const readCsrs = nic.readCsrs.bind(nic);
    nic.readCsrs = (addrs) => readCsrs(addrs).map((v, i) => (addrs[i] === Csr.RAFT_COMMIT_INDEX ? 100 : v));
    const got: LocalRead[] = [];
    for (let k = 0; k < 4; k++) r.readLocal('k', (x) => got.push(x));
    expect(got).toEqual([
      { value: undefined, via: 'refused', index: -1, busy: true },
      { value: undefined, via: 'refused', index: -1, busy: true },
    ]);
    expect(r.stats.busyRefusals).toBe(2);
  });

  it('a proposal the core refuses comes back typed: not-leader at a follower', () => {
    const { r } = single([1, 2, 3], {});
    expect(r.request({ kind: 'propose', payload: new Uint8Array([1]) })).toEqual({ refused: 'not-leader', lead: 0 });
    expect(r.stats.busyRefusals).toBe(0);
  });
});
