// `nicraft wor` and `nicraft log` against three daemons on loopback (real processes, UDP planes,
// ModelNic backends; test/deploy/harness.ts), the commands run in this process through the CLI's
// entry point (cli/nicraft.ts). Also: bad arguments name the argument and its allowed values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/nicraft.js';
import type { LocalCluster } from '../../ctrl/deploy/cluster.js';
import { makeCluster, removeTempDirs } from '../deploy/harness.js';

let lc: LocalCluster | undefined;

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => { out += String(s); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => { err += String(s); return true; }) as typeof process.stderr.write;
  process.exitCode = 0;
  try {
    await main(['node', 'nicraft', ...args, ...(lc && !args.includes('--cluster') ? ['--cluster', lc.clusterFile] : [])]);
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out, err };
}

beforeAll(async () => {
  lc = await makeCluster('nicraft-wor-cli');
  await lc.startAll();
  await lc.waitLeader(30_000);
}, 120_000);

afterAll(async () => {
  if (lc) await lc.stopAll('SIGKILL');
  removeTempDirs();
});

describe('nicraft wor / log against a daemon cluster', () => {
  it('alloc, write once, a second write fails, read; capture pre-empts the owner', async () => {
    const a = await run('wor', 'alloc', '4');
    expect(a.code).toBe(0);
    const base = Number(a.out.trim());
    expect(base).toBeGreaterThan(0);
    expect(await run('wor', 'read', String(base))).toMatchObject({ code: 1, err: '(empty)\n' });
    expect(await run('wor', 'write', String(base), 'hello')).toMatchObject({ code: 0, out: 'OK\n' });
    const second = await run('wor', 'write', String(base), 'other');
    expect(second.code).toBe(1);
    expect(second.out).toMatch(/^WRITTEN: register \d+ already holds another value.*written at most once \(it holds "hello"\)/);
    expect(await run('wor', 'read', String(base))).toMatchObject({ code: 0, out: 'hello\n' });
    expect((await run('wor', 'capture', String(base))).out).toMatch(/^epoch 1: written "hello"/);
    const r2 = String(base + 1);
    expect((await run('wor', 'capture', r2)).out).toBe('epoch 1: empty\n');
    expect(await run('wor', 'read', r2)).toMatchObject({ code: 1, err: '(undecided: captured with epoch 1, not written)\n' });
    expect((await run('wor', 'write', r2, 'late')).out).toMatch(/^PREEMPTED: register \d+ was captured with epoch 1/);
    expect(await run('wor', 'write', r2, 'mine', '--epoch', '1')).toMatchObject({ code: 0, out: 'OK\n' });
    expect(await run('wor', 'read', String(base + 9))).toMatchObject({ code: 1 });
  }, 60_000);

  it('log create, append, read, tail, trim', async () => {
    const c = await run('log', 'create', '--capacity', '100');
    expect(c.code).toBe(0);
    const L = c.out.trim();
    expect(await run('log', 'append', L, 'one')).toMatchObject({ code: 0, out: '0\n' });
    expect(await run('log', 'append', L, 'two')).toMatchObject({ code: 0, out: '1\n' });
    expect(await run('log', 'read', L, '1')).toMatchObject({ code: 0, out: 'two\n' });
    expect(await run('log', 'tail', L)).toMatchObject({ code: 0, out: 'tail 2 trimmed 0\n' });
    expect(await run('log', 'trim', L, '1')).toMatchObject({ code: 0, out: 'trimmed below 1\n' });
    expect(await run('log', 'read', L, '0')).toMatchObject({ code: 1, err: '(trimmed)\n' });
    expect(await run('log', 'read', L, '5')).toMatchObject({ code: 1, err: '(empty)\n' });
  }, 60_000);

  it('bad arguments name the argument and the allowed values (exit 2)', async () => {
    expect(await run('wor', 'frob', '1')).toMatchObject({ code: 2, err: "nicraft wor: unknown operation 'frob' (one of alloc | capture | write | read)\n" });
    expect((await run('wor', 'read', 'abc')).err).toMatch(/ADDR must be an integer in 1\.\.4294967295, not "abc"/);
    expect((await run('wor', 'write', '3')).err).toMatch(/expects ADDR VALUE, got 1 argument/);
    const e = await run('wor', 'write', '3', 'v', '--epoch', '-1');
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/--epoch must be an integer in 0\.\.4294967295/);
    expect((await run('log', 'tail')).err).toMatch(/expects LOG, got 0 argument/);
    expect((await run('log', 'jump', '1')).err).toMatch(/one of create \| append \| read \| tail \| trim/);
    expect((await run('log', 'read', '1', 'x')).err).toMatch(/POS must be an integer in 0\.\./);
  }, 60_000);
});
