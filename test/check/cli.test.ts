// The time limit, the `nicraft check` command: output, exit codes, bad-line messages, pictures.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HistoryRecorder, runCheck, type JsonOp } from '../../verify/check/index.js';
import { check, op, r, w } from './helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'nicraft-check-'));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** 20 concurrent appends and an impossible read: the search has to try every order. */
function hardOps(): JsonOp[] {
  const ops: JsonOp[] = [];
  for (let i = 0; i < 20; i++) ops.push(op(i, 'append', 0, 100, { key: 'k', value: String.fromCharCode(97 + i) }));
  ops.push(op(99, 'get', 101, 102, { key: 'k', output: 'impossible' }));
  return ops;
}

const linJson = file('lin.json', JSON.stringify({ model: 'register', ops: [w(0, 1, 0, 1), r(1, 1, 2, 3)] }));
const notJson = file(
  'not.json',
  JSON.stringify({ model: 'register', ops: [w(0, 1, 0, 1), w(0, 2, 2, 3), r(1, 1, 4, 5)] }),
);
const badEdn = file(
  'bad.edn',
  [
    '{:process 0, :type :invoke, :f :write, :value 1}',
    '{:process 0, :type :ok, :f :write, :value 1}',
    '{:process 0, :type :ok :f :read, :value "unterminated}',
  ].join('\n'),
);
const hardJson = file('hard.json', JSON.stringify({ model: 'kv', ops: hardOps() }));

async function capture(files: string[], opts: Parameters<typeof runCheck>[1] = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCheck(files, opts, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

describe('time limit', () => {
  it('a tiny timeout on a hard history yields unknown, quickly', () => {
    const t0 = performance.now();
    const res = check('kv', hardOps(), 50);
    expect(res.verdict).toBe('unknown');
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('the CLI reports unknown and exits 2', async () => {
    const { code, out } = await capture([hardJson], { timeoutMs: 50 });
    expect(code).toBe(2);
    expect(out[0]).toBe(`${hardJson}: unknown`);
    expect(out[1]).toMatch(/time limit reached/);
  });
});

describe('runCheck', () => {
  it('0 when all are linearizable', async () => {
    const { code, out, err } = await capture([linJson]);
    expect(code).toBe(0);
    expect(out).toEqual([`${linJson}: linearizable`]);
    expect(err.at(-1)).toMatch(/^checked 1 file in \d+\.\d+ s$/);
  });

  it('1 when one is not, with a short explanation', async () => {
    const { code, out } = await capture([linJson, notJson]);
    expect(code).toBe(1);
    expect(out[0]).toBe(`${linJson}: linearizable`);
    expect(out[1]).toBe(`${notJson}: not linearizable`);
    expect(out[2]).toMatch(/linearized 2 of 3 ops \(state 2\); cannot place next: p1 read→1 \(line 1, [\d.]+–[\d.]+ µs\): read returned 1 but register holds 2/);
  });

  it('--explain lists the prefix in linearization order', async () => {
    const { out } = await capture([notJson], { explain: true });
    expect(out.join('\n')).toMatch(/1\. p0 write 1[^\n]*\n\s+2\. p0 write 2/);
    expect(out.join('\n')).toMatch(/cannot be placed next:\n\s+p1 read→1/);
  });

  it('2 on bad input, naming the file and line', async () => {
    const { code, out, err } = await capture([linJson, badEdn, notJson]);
    expect(code).toBe(2);
    expect(out[1]).toBe(`${badEdn}: unknown`);
    expect(err.join('\n')).toContain(`${badEdn}:3: malformed EDN`);
    const missing = await capture([join(dir, 'nope.log')]);
    expect(missing.code).toBe(2);
  });

  it('--svg and --html draw the failing partition', async () => {
    const svg = join(dir, 'out.svg');
    const html = join(dir, 'out.html');
    await capture([notJson], { svg, html });
    const s = readFileSync(svg, 'utf8');
    expect(s.startsWith('<svg')).toBe(true);
    expect(s).toContain('#e53935'); // the read that cannot be placed is red
    expect(s).toContain('read→1');
    expect(s).toMatch(/>p0<.*>p1</s);
    expect(readFileSync(html, 'utf8')).toMatch(/<!doctype html>[\s\S]*<script type="application\/json" id="data">[\s\S]*<\/html>/);
    // several inputs: one picture per non-linearizable file
    await capture([linJson, notJson], { svg });
    expect(existsSync(join(dir, 'out.not.svg'))).toBe(true);
    expect(existsSync(join(dir, 'out.lin.svg'))).toBe(false);
  });
});

describe('line ranges in explanations', () => {
  it('nicraft JSON (as `nicraft load` writes it): the line of the record, times in µs, no timestamps', async () => {
    // one op a line, ns timestamps far from 0, as a real clock gives them
    let now = 1_700_000_000_000;
    const rec = new HistoryRecorder({ model: 'kv', clock: () => (now += 1500) });
    const a = rec.invoke(0, { op: 'put', key: 'k1', value: 'a' });
    rec.ok(a);
    const b = rec.invoke(0, { op: 'put', key: 'k1', value: 'b' });
    rec.ok(b);
    const c = rec.invoke(1, { op: 'get', key: 'k1' });
    rec.ok(c, 'a');
    const f = file('load.json', rec.toJSON());
    const { code, out } = await capture([f], { explain: true });
    expect(code).toBe(1);
    const text = out.join('\n');
    expect(text).toMatch(/p1 get k1→"a" \(line 4, 6\.00–7\.50 µs\): read returned "a" but key holds "b"/);
    expect(text).toMatch(/1\. p0 put k1="a" \(line 2, 0\.00–1\.50 µs\)/);
    expect(text).not.toMatch(/\d{7,}/); // never a raw timestamp
  });

  it('Jepsen logs and EDN: invocation line–completion line', async () => {
    const f = file(
      'r.edn',
      [
        '{:process 0, :type :invoke, :f :write, :value 1}',
        '{:process 0, :type :ok, :f :write, :value 1}',
        '{:process 1, :type :invoke, :f :read, :value nil}',
        '{:process 2, :type :invoke, :f :write, :value 3}',
        '{:process 1, :type :ok, :f :read, :value 2}',
        '{:process 2, :type :info, :f :write, :value 3}',
      ].join('\n'),
    );
    const { out } = await capture([f], { explain: true, model: 'register' });
    const text = out.join('\n');
    expect(text).toMatch(/p1 read→2 \(lines 3–5\): read returned 2 but register holds/);
    expect(text).not.toMatch(/µs/);
  });
});

describe('nicraft check (the real command)', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'bin/nicraft.js'), 'check', ...args], { encoding: 'utf8', cwd: ROOT });

  it('exit codes 0, 1, 2 and the bad line on stderr', () => {
    const ok = cli(linJson);
    expect(ok.stderr).toMatch(/checked 1 file in/);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(`${linJson}: linearizable\n`);
    const not = cli('--model', 'register', linJson, notJson);
    expect(not.status).toBe(1);
    expect(not.stdout).toContain(`${notJson}: not linearizable`);
    const bad = cli(linJson, badEdn);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${badEdn}:3:`);
    const usage = cli('--model', 'queue', linJson);
    expect(usage.status).toBe(2);
  });
});
