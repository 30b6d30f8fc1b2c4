// `nicraft fuzz --chain` and `--chain --kv` from the command line: the cluster size, planes and traffic
// length a user pins are the ones the seeds run (both campaigns; --kv ignored them before), --json
// writes every result of either, and a size or plane count outside what the campaign supports is
// refused with exit 2, naming the flag and the allowed values.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/nicraft.js');
const DIR = mkdtempSync(join(tmpdir(), 'nicraft-chain-cli-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const fuzz = (...args: string[]) => spawnSync('node', [BIN, 'fuzz', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });

describe('nicraft fuzz --chain flags', () => {
  it('--kv runs the pinned size, planes and length, and writes --json', () => {
    const out = join(DIR, 'kv.json');
    const r = fuzz('--chain', '--kv', '--seeds', '2', '--from', '5', '--replicas', '4', '--planes', '2', '--us', '200', '--quiet', '--json', out);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 seed\(s\): 2 passed, 0 failed/);
    const rs = JSON.parse(readFileSync(out, 'utf8')) as Array<{ seed: number; ok: boolean; schedule: { replicas: number; planes: number; trafficUs: number } }>;
    expect(rs.map((x) => [x.seed, x.ok, x.schedule.replicas, x.schedule.planes, x.schedule.trafficUs])).toEqual([[5, true, 4, 2, 200], [6, true, 4, 2, 200]]);
  });

  it('chain campaigns take 2 replicas (Raft campaigns do not)', () => {
    const out = join(DIR, 'chain.json');
    const r = fuzz('--chain', '--seeds', '1', '--from', '5', '--replicas', '2', '--quiet', '--json', out);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const rs = JSON.parse(readFileSync(out, 'utf8')) as Array<{ ok: boolean; schedule: { replicas: number } }>;
    expect(rs.map((x) => [x.ok, x.schedule.replicas])).toEqual([[true, 2]]);
    const raft = fuzz('--replicas', '4', '--seed', '1');
    expect(raft.status).toBe(2);
    expect(raft.stderr).toMatch(/--replicas must be 3, 5, 7 \(got 4/);
  });

  it('sizes and planes outside the campaign are refused, naming the flag and the allowed values', () => {
    for (const [args, msg] of [
      [['--chain', '--replicas', '6', '--seed', '1'], /--replicas must be 2\.\.5 \(got 6\)/],
      [['--chain', '--kv', '--planes', '3', '--seed', '1'], /--planes must be 1 or 2 \(got 3\)/],
      [['--replicas', '9', '--seed', '1'], /--replicas.*'9' is invalid\. must be 3, 5, 7 \(Raft campaigns\) or 2\.\.5 \(--chain\)/],
      [['--chain', '--shard', '1/2', '--from', '1', '--seeds', '2'], /--shard is not supported/],
    ] as const) {
      const r = fuzz(...args);
      expect(r.status, `${args.join(' ')}: ${r.stdout}`).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});
