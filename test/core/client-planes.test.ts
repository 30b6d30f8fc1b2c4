// Issue 23: the KV client's plane modes. 'duplicate' sends every attempt on every plane (the same
// frame: the leader NIC sequences the first copy), 'spread' one plane per attempt, rotating, a number
// that plane; without `planes` the transport decides (one send, no plane). A bad mode is refused
// naming the field and the allowed values; so are the scenario's and the CLI's.
import { describe, expect, it } from 'vitest';
import { KvClient, planeModeIssue, type ClientPlaneMode } from '../../ctrl/app/client.js';
import { parseScenario } from '../../sim/scenario.js';

function sends(mode: ClientPlaneMode | undefined, planes: number, attempts: number): Array<{ plane: number | undefined; bytes: string }> {
  const out: Array<{ plane: number | undefined; bytes: string }> = [];
  let now = 0;
  const c = new KvClient({
    clientId: 5, clusterId: 1, nodes: [1, 2, 3], attemptTimeoutNs: 1000, maxAttempts: attempts, retryBudgetNs: 1e9,
    ...(mode === undefined ? {} : { planes: { count: planes, mode } }),
    transport: { send: (_to, frame, plane) => out.push({ plane, bytes: Buffer.from(frame).toString('hex') }) },
  });
  c.invoke({ op: 'put', key: 'k', value: new Uint8Array([1]) }, () => {});
  for (let i = 0; i < attempts; i++) { now += 1001; c.tick(now); }
  return out;
}

describe('KvClient plane modes', () => {
  it('duplicate: every attempt on every plane, the copies identical', () => {
    for (const planes of [1, 2, 3]) {
      const s = sends('duplicate', planes, 3);
      expect(s.length).toBe(3 * planes);
      for (let a = 0; a < 3; a++) {
        const att = s.slice(a * planes, (a + 1) * planes);
        expect(att.map((x) => x.plane)).toEqual(Array.from({ length: planes }, (_, p) => p));
        expect(new Set(att.map((x) => x.bytes)).size).toBe(1);
      }
    }
  });

  it('spread: one plane per attempt, rotating; a number: that plane only; absent: the transport decides', () => {
    expect(sends('spread', 3, 5).map((x) => x.plane)).toEqual([0, 1, 2, 0, 1]);
    expect(sends(1, 2, 3).map((x) => x.plane)).toEqual([1, 1, 1]);
    expect(sends(undefined, 2, 2).map((x) => x.plane)).toEqual([undefined, undefined]);
  });

  it('a bad mode is refused, naming the field and the allowed values', () => {
    expect(() => sends('both' as ClientPlaneMode, 2, 1)).toThrow(/planes\.mode: must be one of 'spread' \| 'duplicate' \| a plane number \(0\.\.1\), got "both"/);
    expect(() => sends(2, 2, 1)).toThrow(/planes\.mode: .* \(0\.\.1\), got 2/);
    expect(planeModeIssue('duplicate', 1)).toBe('');
    expect(planeModeIssue(-1, 3, 'planes')).toMatch(/^planes: must be one of/);
  });

  it('scenarios: workload.planes, comparePlanes and sweep planes are checked', () => {
    const base = { name: 't', replicas: 3, planes: 2, durationUs: 10, workload: { planes: 'duplicate' } };
    expect(parseScenario(base).workload.planes).toBe('duplicate');
    expect(() => parseScenario({ ...base, workload: { planes: 'both' } })).toThrow(/workload\.planes: must be one of 'spread' \| 'duplicate' \| a plane number/);
    expect(() => parseScenario({ ...base, comparePlanes: [2] })).toThrow(/comparePlanes\[0\]: 2 is not a plane \(0\.\.1\)/);
    expect(() => parseScenario({ ...base, sweep: [{ planes: 'all', ratePct: [50] }] })).toThrow(/sweep\[0\]\.planes: must be one of/);
  });
});
