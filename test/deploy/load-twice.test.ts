// The real commands a newcomer types, in a row on one cluster (issue 13): `nicraft cluster up`,
// `nicraft kv put k1 hello`, then `nicraft load --check` twice. Each load run names its keys with a
// fresh prefix, so neither history starts from values it did not write (the checker's model starts
// every key empty), and both must come out linearizable. `--cluster` takes the cluster's directory.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from './harness.js';

const ROOT = join(import.meta.dirname, '../..');

function nicraft(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/nicraft.js'), ...args], { cwd: ROOT });
    let out = ''; let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('close', (code) => res({ code, out, err }));
  });
}

let dir = '';
afterAll(async () => {
  if (dir) await nicraft(['cluster', 'down', '--dir', dir]);
  removeTempDirs();
});

describe('nicraft load --check, twice in a row on one cluster', () => {
  it('after kv put k1 hello, both runs report linearizable', async () => {
    dir = tempDir('load-twice');
    const up = await nicraft(['cluster', 'up', '--dir', dir]);
    expect(up.code, up.err).toBe(0);
    const put = await nicraft(['kv', 'put', 'k1', 'hello', '--cluster', dir]);
    expect(put.code, put.err).toBe(0);
    const get = await nicraft(['kv', 'get', 'k1', '--cluster', dir]);
    expect(get.out).toContain('hello');
    const prefixes: string[] = [];
    for (let run = 0; run < 2; run++) {
      const r = await nicraft(['load', '--cluster', dir, '--duration', '1', '--clients', '4', '--check', '--quiet']);
      console.log(`run ${run + 1}:\n${r.out}`);
      expect(r.code, r.err).toBe(0);
      const check = /check\s+(.+?) \((\d+) ops/.exec(r.out);
      expect(check, r.out).not.toBeNull();
      expect(check![1]).toBe('linearizable');
      expect(Number(check![2])).toBeGreaterThan(0);
      prefixes.push(/keys\s+(\S+)\*/.exec(r.out)![1]!);
    }
    expect(prefixes[0]).not.toBe(prefixes[1]);
    const bad = await nicraft(['load', '--cluster', join(dir, 'n1'), '--duration', '1']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/without cluster\.yaml/);
  }, 120_000);
});
