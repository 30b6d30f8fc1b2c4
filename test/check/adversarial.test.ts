// Inputs that must never pass, crash or hang: each gives exit 2 and one line of error naming the
// file (and the line where there is one), or parses to the right verdict.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EDN_MAX_DEPTH, parseEdn, runCheck, type CheckCliOptions } from '../../verify/check/index.js';
import { rng } from './helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'nicraft-adv-'));
const DEEP = 200_000;
const SEED = 20261202;

function file(name: string, data: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

function randomBytes(n: number, seed: number, first?: number): Uint8Array {
  const r = rng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  if (first !== undefined) b[0] = first;
  return b;
}

const vectorOps = (lastRead: number) =>
  [
    '[{:process 0, :type :invoke, :f :write, :value 1}',
    ' {:process 0, :type :ok, :f :write, :value 1}',
    ' {:process 1, :type :invoke, :f :read, :value nil}',
    ` {:process 1, :type :ok, :f :read, :value ${lastRead}}]`,
  ].join('\n');

async function run(files: string[], opts: CheckCliOptions = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCheck(files, opts, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err, bad: err.filter((l) => l.startsWith('bad input:')) };
}

interface Case {
  name: string;
  path: () => string;
  opts?: CheckCliOptions;
  /** The one error line must match this (after "bad input: "). */
  message: RegExp;
}

const cases: Case[] = [
  { name: 'empty file', path: () => file('empty.log', ''), message: /empty\.log: no operations to check \(read as jepsen-log\)/ },
  { name: 'whitespace only', path: () => file('blank.edn', '\n  \n\t\n'), message: /blank\.edn: no operations to check/ },
  {
    name: 'header-only Jepsen log',
    path: () => file('header.log', 'INFO  jepsen.core - Running test\nINFO  jepsen.core - Setting up\n'),
    message: /header\.log: no operations to check \(read as jepsen-log\)/,
  },
  {
    name: `64 KiB of random bytes (seed ${SEED})`,
    path: () => file('random.bin', randomBytes(65536, SEED, 0x41)),
    message: /random\.bin: no operations to check/,
  },
  {
    name: `random bytes starting with "{" (seed ${SEED + 1})`,
    path: () => file('random.json', randomBytes(4096, SEED + 1, 0x7b)),
    message: /random\.json:\d+: malformed JSON/,
  },
  {
    name: 'random bytes after "{:" (EDN)',
    path: () => file('random.edn', Buffer.concat([Buffer.from('{:'), randomBytes(4096, SEED + 2)])),
    message: /random\.edn:\d+: (malformed EDN|expected an EDN op map|:process)/,
  },
  { name: 'JSON with no ops', path: () => file('none.json', '{"model":"kv","ops":[]}'), message: /none\.json: no operations to check \(read as json\)/ },
  {
    name: 'JSON whose only op is an indeterminate read',
    path: () => file('onlyread.json', '{"ops":[{"process":0,"op":"get","key":"a","invokeNs":1}]}'),
    message: /onlyread\.json: no operations to check \(read as json; 1 indeterminate reads dropped\)/,
  },
  { name: 'EDN empty vector', path: () => file('emptyvec.edn', '[]'), message: /emptyvec\.edn: no operations to check \(read as edn\)/ },
  {
    name: `EDN nested ${DEEP} deep`,
    path: () => file('deep.edn', '['.repeat(DEEP) + ']'.repeat(DEEP)),
    message: new RegExp(`deep\\.edn:1: malformed EDN: nested deeper than ${EDN_MAX_DEPTH} levels`),
  },
  {
    name: `EDN op whose value is nested ${DEEP} deep, on line 3`,
    path: () =>
      file(
        'deepvalue.edn',
        '{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok, :f :write, :value 1}\n' +
          `{:process 1, :type :invoke, :f :write, :value ${'['.repeat(DEEP)}${']'.repeat(DEEP)}}\n`,
      ),
    message: /deepvalue\.edn:3: malformed EDN: nested deeper than/,
  },
  {
    name: `EDN unclosed ${DEEP} deep`,
    path: () => file('open.edn', '{:process 0 :value ' + '('.repeat(DEEP)),
    message: /open\.edn:1: malformed EDN: nested deeper than/,
  },
  {
    name: `Jepsen log value nested ${DEEP} deep`,
    path: () => file('deep.log', `INFO  jepsen.util - 0\t:invoke\t:write\t${'['.repeat(DEEP)}${']'.repeat(DEEP)}\n`),
    message: /deep\.log:1: bad value '\[{10,}.*': nested deeper than/,
  },
  {
    name: `JSON nested ${DEEP} deep`,
    path: () => file('deep.json', `{"ops":[{"process":0,"op":"write","value":${'['.repeat(DEEP)}${']'.repeat(DEEP)},"invokeNs":1}]}`),
    message: /deep\.json:1: ops\[0\]: "value" must be a string, a number or null/,
  },
  {
    name: 'top-level vector never closed',
    path: () => file('unclosed.edn', vectorOps(1).slice(0, -1)),
    message: /unclosed\.edn:1: malformed EDN: missing '\]' of the top-level vector/,
  },
  { name: 'a directory', path: () => (mkdirSync(join(dir, 'adir'), { recursive: true }), join(dir, 'adir')), message: /adir: is a directory/ },
  { name: 'a missing file', path: () => join(dir, 'missing.log'), message: /missing\.log: no such file/ },
  {
    name: 'NUL bytes in a Jepsen log line',
    path: () => file('nul.log', 'INFO  jepsen.util - 0\t:invoke\t:write\t\u0000\u0001\n'),
    message: /nul\.log:1: bad value '.*': unexpected character U\+0000/,
  },
];

describe('adversarial inputs: exit 2, one line naming the file', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const p = c.path();
    const r = await run([p], c.opts);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([`${p}: unknown`]);
    expect(r.bad).toHaveLength(1);
    const line = r.bad[0]!;
    expect(line).not.toContain('\n');
    expect(line.length).toBeLessThan(400);
    expect(line.slice('bad input: '.length).startsWith(p)).toBe(true);
    expect(line).toMatch(c.message);
  });

  it('the EDN reader itself fails (no RangeError) on deep nesting of every bracket kind', () => {
    for (const [o, cl] of [['[', ']'], ['(', ')'], ['{:a ', '}'], ['#{', '}']] as const) {
      expect(() => parseEdn(o.repeat(DEEP) + cl.repeat(DEEP))).toThrow(/nested deeper than/);
    }
    // and reads what is just deep enough
    const ok = '['.repeat(EDN_MAX_DEPTH) + ']'.repeat(EDN_MAX_DEPTH);
    expect(Array.isArray(parseEdn(ok))).toBe(true);
  });

  it('bad flag files: --initial-state and --events', async () => {
    const notJson = file('state.txt', 'key=value');
    const arr = file('state-arr.json', '["a"]');
    const obj = file('state-obj.json', '{"k": {"nested": 1}}');
    const noEvents = file('events.log', '# only a comment\n');
    const h = file('ok.edn', vectorOps(1));
    for (const [opts, re] of [
      [{ initialState: notJson }, /state\.txt: --initial-state: malformed JSON/],
      [{ initialState: arr }, /state-arr\.json: --initial-state: expected an object of key -> value/],
      [{ initialState: obj }, /state-obj\.json: --initial-state: key "k": the value must be a string, a number or null/],
      [{ initialState: join(dir, 'nope.json') }, /nope\.json: no such file/],
      [{ events: noEvents }, /events\.log: no events found/],
    ] as Array<[CheckCliOptions, RegExp]>) {
      const r = await run([h], opts);
      expect(r.code).toBe(2);
      expect(r.err.filter((l) => l.startsWith('bad input:'))).toHaveLength(1);
      expect(r.err[0]).toMatch(re);
    }
  });
});

describe('EDN written as one top-level vector of op maps', () => {
  it('parses: linearizable (exit 0) and not (exit 1)', async () => {
    const ok = await run([file('vec-ok.edn', vectorOps(1))], { model: 'register' });
    expect(ok.code).toBe(0);
    const not = await run([file('vec-not.edn', vectorOps(2))], { model: 'register', explain: true });
    expect(not.code).toBe(1);
    expect(not.out.join('\n')).toMatch(/p1 read→2 \(lines 3–4\): read returned 2 but register holds 1/);
  });

  it('a list, comments, commas and maps over several lines too', async () => {
    const text = [
      '; a Jepsen history',
      '({:process 0,',
      '  :type :invoke, :f :write, :value 1},',
      ' {:process 0, :type :ok, :f :write, :value 1}',
      ' #_{:process 9, :type :invoke, :f :read}',
      ' {:process 1, :type :invoke, :f :read, :value nil}',
      ' {:process 1, :type :ok, :f :read, :value 2})',
    ].join('\n');
    const r = await run([file('list.edn', text)], { model: 'register', explain: true });
    expect(r.code).toBe(1);
    expect(r.out.join('\n')).toMatch(/p0 write 1 \(lines 2–4\)/);
    expect(r.out.join('\n')).toMatch(/p1 read→2 \(lines 6–7\)/);
  });

  it('an element that is not a map names its line', async () => {
    const r = await run([file('vec-bad.edn', '[{:process 0, :type :invoke, :f :write, :value 1}\n 42]')]);
    expect(r.code).toBe(2);
    expect(r.bad[0]).toMatch(/vec-bad\.edn:2: expected an EDN op map \{\.\.\.\}, got 42/);
  });
});

describe('the real command on adversarial inputs (exit code, one stderr line, no stack trace)', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'bin/nicraft.js'), 'check', '--no-progress', ...args], { encoding: 'utf8', cwd: ROOT });

  it.each([
    ['empty file', 2, () => file('cli-empty.log', '')],
    [`EDN nested ${DEEP} deep`, 2, () => file('cli-deep.edn', '['.repeat(DEEP) + ']'.repeat(DEEP))],
    ['random bytes', 2, () => file('cli-random.bin', randomBytes(65536, SEED + 3, 0x41))],
    ['top-level vector, not linearizable', 1, () => file('cli-vec.edn', vectorOps(2))],
  ] as Array<[string, number, () => string]>)('%s → exit %i', (_n, code, path) => {
    const p = path();
    const r = cli(p);
    expect(r.status).toBe(code);
    expect(r.stderr).not.toMatch(/RangeError|\n\s+at /);
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('checked '));
    if (code === 2) {
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^bad input: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
  });

  it('usage errors exit 2: --initial bogus, --cache-mb 0', () => {
    const p = file('cli-ok.edn', vectorOps(1));
    expect(cli('--initial', 'bogus', p).status).toBe(2);
    expect(cli('--cache-mb', '0', p).status).toBe(2);
  });
});
