// Porcupine's published KV histories (testdata/porcupine): every verdict agrees, with the initial
// value their format implies (empty string); with keys starting nil the linearizable ones are not.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkFile, parseHistory, readInitialStateFile } from '../../verify/check/index.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../testdata/porcupine');
const rows = readFileSync(join(DIR, 'VERDICTS'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => l.trim().split(/\s+/) as [string, string]);

describe("Porcupine's KV histories (testdata/porcupine)", () => {
  it('VERDICTS lists the 6 files, 3 linearizable', () => {
    expect(rows).toHaveLength(6);
    expect(rows.filter(([, v]) => v === 'linearizable')).toHaveLength(3);
  });

  it('their format implies keys start empty', () => {
    const h = parseHistory(readFileSync(join(DIR, 'kv/c01-ok.txt'), 'utf8'), 'c01-ok.txt');
    expect(h.format).toBe('edn');
    expect(h.initial).toBe('empty');
    // a get of a key never written returned ""
    expect(h.ops.some((o) => o.kind === 'read' && o.result === '')).toBe(true);
  });

  it.each(rows)('%s is %s', async (file, expected) => {
    const o = await checkFile(join(DIR, file), { timeoutMs: 60_000 });
    expect(o.error).toBeUndefined();
    expect(o.spec!.initial).toBe('empty');
    expect(o.verdict).toBe(expected === 'linearizable' ? 'linearizable' : 'not linearizable');
    if (o.verdict === 'not linearizable') {
      const f = o.result!.failing!;
      expect(f.frontier.length).toBeGreaterThan(0);
      // the counterexample is a real one, not the nil/"" artefact
      expect(f.frontier.every((x) => !/but key holds nil/.test(x.reason))).toBe(true);
    }
  });

  it('with --initial nil the linearizable ones are rejected (the old artefact)', async () => {
    for (const [file, expected] of rows) {
      if (expected !== 'linearizable') continue;
      const o = await checkFile(join(DIR, file), { initial: 'nil', timeoutMs: 60_000 });
      expect(o.verdict, file).toBe('not linearizable');
      expect(o.result!.failing!.frontier[0]!.reason).toMatch(/read returned "" but key holds/);
    }
  });

  it('--initial-state: a store that was not empty', async () => {
    // c01-ok reads key "5" as "" before anything is written to it
    const dir = mkdtempSync(join(tmpdir(), 'nicraft-porc-'));
    const state = join(dir, 'state.json');
    writeFileSync(state, JSON.stringify({ '5': 'was here' }));
    const o = await checkFile(join(DIR, 'kv/c01-ok.txt'), { timeoutMs: 60_000 }, { initialState: readInitialStateFile(state) });
    expect(o.verdict).toBe('not linearizable');
    expect(o.result!.failing!.key).toBe('5');
    expect(o.result!.failing!.frontier[0]!.reason).toMatch(/read returned "" but key holds "was here"/);
  });
});
