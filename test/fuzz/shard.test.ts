// Campaigns beyond one machine (issue 15): `nicraft fuzz --shard K/N --out FILE` runs a disjoint
// part of the seed space, `nicraft fuzz merge` combines the files. Run here as CI and docs/fuzz.md
// do it: GNU parallel (Debian package `parallel`, installed by `make deps-system`) over 4 shards;
// the merged result equals one unsharded run of the same seeds, record for record.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeResults, parseResult, shardSeeds, type CampaignResult } from '../../verify/fuzz/result.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/nicraft.js');
const DIR = join(ROOT, 'build/fuzz-shard-test');
/** a short slice of the swarm: 10 seeds, the fault phase cut to 300 us */
const CAMPAIGN = ['--from', '40', '--seeds', '10', '--us', '300', '--quiet', '--files', join(DIR, 'files')];

const read = (f: string): CampaignResult => parseResult(readFileSync(f, 'utf8'), f);

describe('sharded campaigns', () => {
  it('the shards of a seed range are disjoint and cover it', () => {
    const all = [1, 2, 3, 4].flatMap((k) => shardSeeds(40, 10, { k, n: 4 }));
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 40 + i));
    expect(new Set(all).size).toBe(10);
  });

  it('4 shards under GNU parallel, merged, equal one unsharded run of the same seeds', () => {
    const which = spawnSync('parallel', ['--version']);
    expect(which.status, 'GNU parallel not found: `make deps-system` installs it (Debian package parallel)').toBe(0);
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    const cmd = ['node', BIN, 'fuzz', ...CAMPAIGN, '--shard', '{}/4', '--out', join(DIR, 'shard-{}.json')];
    // a failing seed makes its shard exit 1 (parallel's status counts them); the files are written either way
    const par = spawnSync('parallel', ['-j', '2', '--halt', 'never', ...cmd, ':::', '1', '2', '3', '4'], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    expect(par.status, par.stderr).toBeLessThanOrEqual(4);
    const shards = [1, 2, 3, 4].map((k) => read(join(DIR, `shard-${k}.json`)));
    for (const [i, s] of shards.entries()) {
      expect(s.shards).toEqual([{ k: i + 1, n: 4 }]);
      expect(s.seeds.map((x) => x.seed)).toEqual(shardSeeds(40, 10, { k: i + 1, n: 4 }));
    }
    const merged = spawnSync('node', [BIN, 'fuzz', 'merge', ...[1, 2, 3, 4].map((k) => join(DIR, `shard-${k}.json`)), '--out', join(DIR, 'merged.json')], { cwd: ROOT, encoding: 'utf8' });
    expect(merged.status, merged.stderr).toBeLessThanOrEqual(1);
    expect(merged.stdout).toMatch(/10 seed\(s\): \d+ passed, \d+ failed/);
    spawnSync('node', [BIN, 'fuzz', ...CAMPAIGN, '--out', join(DIR, 'one.json')], { cwd: ROOT, stdio: 'pipe', timeout: 600_000 });
    const m = read(join(DIR, 'merged.json'));
    const one = read(join(DIR, 'one.json'));
    expect(m.seeds.length).toBe(10);
    expect(m.seeds).toEqual(one.seeds);
    expect(m.digest).toBe(one.digest);
    expect(m.shards).toEqual(one.shards);
    expect([m.passed, m.failed]).toEqual([one.passed, one.failed]);
    expect(m.runs.length).toBe(4);
  }, 600_000);

  it('merge refuses overlapping or foreign files and names what is missing', () => {
    const s1 = read(join(DIR, 'shard-1.json'));
    const s2 = read(join(DIR, 'shard-2.json'));
    const one = read(join(DIR, 'one.json'));
    expect(() => mergeResults([{ source: 'a', result: s1 }, { source: 'b', result: s1 }])).toThrow(/shard 1\/4 is in two files/);
    expect(() => mergeResults([{ source: 'a', result: s1 }, { source: 'b', result: one }])).toThrow(/b is of another campaign than a/);
    const part = mergeResults([{ source: 'a', result: s1 }, { source: 'b', result: s2 }]);
    expect(part.missingShards).toEqual([3, 4]);
    expect(part.missing).toEqual([...shardSeeds(40, 10, { k: 3, n: 4 }), ...shardSeeds(40, 10, { k: 4, n: 4 })].sort((a, b) => a - b));
    const r = spawnSync('node', [BIN, 'fuzz', 'merge', join(DIR, 'shard-1.json'), join(DIR, 'shard-2.json')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/missing shards: 3\/4, 4\/4/);
    // a changed record is caught by the digest
    const bad = JSON.stringify({ ...s1, seeds: s1.seeds.map((x, i) => (i === 0 ? { ...x, ok: !x.ok } : x)) });
    expect(() => parseResult(bad, 'tampered.json')).toThrow(/digest mismatch/);
  });

  it('the Kubernetes Indexed Job and the Slurm array run as written (their shard commands, with the variables a cluster sets)', () => {
    const out = join(DIR, 'recipes');
    rmSync(out, { recursive: true, force: true });
    const env = { ...process.env, SEEDS: '4', FROM: '60', SHARDS: '2', FUZZ: '--us 300' };
    // Kubernetes: the Job's container script, as each indexed pod runs it
    const docs = parseAllDocuments(readFileSync(join(ROOT, 'tools/fuzz/k8s-job.yaml'), 'utf8')).map((d) => d.toJS());
    const job = docs.find((d) => d.kind === 'Job');
    expect(job.spec.completionMode).toBe('Indexed');
    const c = job.spec.template.spec.containers[0];
    expect(c.command).toEqual(['bash', '-c']);
    for (const idx of [0, 1]) {
      const r = spawnSync('bash', ['-c', c.args[0]], { cwd: ROOT, encoding: 'utf8', env: { ...env, JOB_COMPLETION_INDEX: String(idx), RESULTS: join(out, 'k8s') }, timeout: 300_000 });
      expect(r.status, r.stderr + r.stdout).toBe(0);
    }
    const merge = docs.length && parseAllDocuments(readFileSync(join(ROOT, 'tools/fuzz/k8s-merge.yaml'), 'utf8'))[0]!.toJS();
    const mr = spawnSync('bash', ['-c', merge.spec.template.spec.containers[0].args[0]], { cwd: ROOT, encoding: 'utf8', env: { ...env, RESULTS: join(out, 'k8s') } });
    expect(mr.status, mr.stderr + mr.stdout).toBe(0);
    const k8s = read(join(out, 'k8s/merged.json'));
    expect(k8s.seeds.map((x) => x.seed)).toEqual([60, 61, 62, 63]);
    // Slurm: the array task script, as array tasks 1 and 2 of --array=1-2 run it
    for (const id of [1, 2]) {
      const r = spawnSync('bash', [join(ROOT, 'tools/fuzz/slurm-array.sh')], {
        cwd: ROOT, encoding: 'utf8', timeout: 300_000,
        env: { ...env, SHARDS: '', SLURM_SUBMIT_DIR: ROOT, SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MAX: '2', RESULTS: join(out, 'slurm') },
      });
      expect(r.status, r.stderr + r.stdout).toBe(0);
    }
    const sm = spawnSync('node', [BIN, 'fuzz', 'merge', join(out, 'slurm/shard-1.json'), join(out, 'slurm/shard-2.json')], { cwd: ROOT, encoding: 'utf8' });
    expect(sm.status, sm.stdout).toBeLessThanOrEqual(1);
    expect(sm.stdout).toMatch(new RegExp(`digest ${k8s.digest.slice(0, 16)}`)); // the same seeds, the same records
  }, 600_000);
});

