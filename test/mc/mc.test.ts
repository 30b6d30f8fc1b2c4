// The model checker (verify/mc): the small bound is exhausted with no violation; the fingerprint
// agrees with the canonical text; copies are independent; rebuilt states are the ones that were
// fingerprinted (determinism); the command's
// flags and exit codes. The figures are printed for docs/model-checker.md.
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/nicraft.js';
import { runMc, SMALL_BOUND, WARM_BOUND, type Bound } from '../../verify/mc/cli.js';
import { search } from '../../verify/mc/search.js';
import { Model, World } from '../../verify/mc/world.js';

function quiet(b: Bound): { code: number; lines: string[]; states: number; ms: number; complete: boolean } {
  const lines: string[] = [];
  const r = runMc(b, { quiet: true }, { out: (s) => lines.push(s) });
  return { code: r.code, lines, states: r.result.states, ms: r.result.ms, complete: r.result.complete };
}

describe('model checker', () => {
  it('finds no violation in the real core at the small bound (what make test runs)', () => {
    const r = quiet(SMALL_BOUND);
    console.log(`mc small bound: ${r.lines.slice(-2).join(' | ')}`);
    expect(r.lines.join('\n')).toContain('bound exhausted');
    expect(r.complete).toBe(true);
    expect(r.code).toBe(0);
    expect(r.states).toBeGreaterThan(1000);
  });

  it('from a running cluster (the warm bound): no violation, with NIC answers interleaved with a sync in progress', () => {
    const r = quiet(WARM_BOUND);
    console.log(`mc warm bound: ${r.lines.slice(-2).join(' | ')}`);
    expect(r.lines.join('\n')).toContain('bound exhausted');
    expect(r.complete).toBe(true);
    expect(r.code).toBe(0);
    expect(r.states).toBeGreaterThan(10_000);
    // the interleaving is there: states in which a node waits for its NIC's answers in the middle of a sync
    const model = new Model(WARM_BOUND);
    let frontier = [new World(model)];
    let midSync = 0;
    for (let d = 0; d < 3; d++) {
      const next: World[] = [];
      for (const w of frontier) for (const c of w.choices()) {
        const w2 = w.clone();
        w2.apply(c);
        if (w2.nodes.some((n) => n.core?.status().syncing && n.nic.answers.length > 0) && w2.choices().some((x) => x.k !== 'nic')) midSync++;
        next.push(w2);
      }
      frontier = next;
    }
    expect(midSync).toBeGreaterThan(0);
  });

  it('fingerprints exactly the canonical text (no collision, no missed difference)', () => {
    // a fresh cluster, and a running one (NIC answers in flight are part of the state)
    for (const [m, depth, min] of [[new Model({ ...SMALL_BOUND, dups: 1, reorders: 1 }), 6, 500], [new Model({ ...WARM_BOUND, dups: 1 }), 4, 500]] as const) {
      const byFp = new Map<string, string>();
      const byText = new Map<string, string>();
      let frontier = [new World(m)];
      for (let d = 0; d < depth; d++) {
        const next: World[] = [];
        for (const w of frontier) {
          for (const c of w.choices()) {
            const w2 = w.clone();
            w2.apply(c);
            expect(w2.violation).toBeUndefined();
            const fp = w2.fingerprint();
            const text = w2.canonical();
            if (byFp.has(fp)) { expect(byFp.get(fp)).toBe(text); continue; }
            expect(byText.has(text)).toBe(false);
            byFp.set(fp, text);
            byText.set(text, fp);
            next.push(w2);
          }
        }
        frontier = next;
      }
      expect(byFp.size).toBeGreaterThan(min);
    }
  });

  it('a successor never changes the state it was copied from', () => {
    const model = new Model(SMALL_BOUND);
    let w = new World(model);
    for (let d = 0; d < 12; d++) {
      const before = w.canonical();
      const cs = w.choices();
      for (const c of cs) {
        const w2 = w.clone();
        w2.apply(c);
      }
      expect(w.canonical()).toBe(before);
      const pick = cs.find((c) => c.k === 'deliver') ?? cs[0]!;
      const w2 = w.clone();
      w2.apply(pick);
      w = w2;
    }
  });

  it('rebuilds every state it expands exactly as it was fingerprinted (the cores are deterministic)', () => {
    const r = search({ ...SMALL_BOUND, dups: 1 }, { maxDepth: 7, timeLimitMs: 120_000, verify: true });
    expect(r.violation).toBeUndefined();
    expect(r.complete).toBe(true);
  });

  it('nicraft mc and mc-chain: exit 0 at a bound without violation, 1 on a violation, 2 on a bad flag naming it', async () => {
    const saved = process.exitCode;
    const out: string[] = [];
    const origOut = process.stdout.write.bind(process.stdout);
    const origErr = process.stderr.write.bind(process.stderr);
    const capture = (s: string | Uint8Array): boolean => { out.push(String(s)); return true; };
    try {
      process.stdout.write = capture as typeof process.stdout.write;
      process.stderr.write = capture as typeof process.stderr.write;
      process.exitCode = undefined;
      await main(['node', 'nicraft', 'mc', '--small', '--max-depth', '4', '--quiet']);
      expect(process.exitCode).toBe(0);
      expect(out.join('')).toContain('bound exhausted (every state within 4 steps)');
      for (const [flag, value, allowed] of [['--nodes', '9', 'from 2 to 5'], ['--max-term', '0', 'from 1 to 9'], ['--requests', 'x', 'from 0 to 9'], ['--time-limit', '-1', 'positive'], ['--order', 'lifo', 'fifo, any']]) {
        out.length = 0;
        process.exitCode = undefined;
        await main(['node', 'nicraft', 'mc', flag!, value!]);
        expect(process.exitCode, `${flag} ${value}`).toBe(2);
        expect(out.join('')).toContain(flag!);
        expect(out.join('')).toContain(allowed!);
      }
      // nicraft mc-chain (the chain master's model check): a known bug is found (exit 1, with its trace);
      // a small bound is exhausted (exit 0); a bad flag names itself and the allowed values (exit 2)
      out.length = 0;
      process.exitCode = undefined;
      await main(['node', 'nicraft', 'mc-chain', '--crash', 'middle', '--master-restarts', '1', '--mutation', 'forgetMaxEpoch']);
      expect(process.exitCode).toBe(1);
      expect(out.join('')).toMatch(/VIOLATION install: .*\n[^]*master crashes and restarts from its stable storage/);
      out.length = 0;
      process.exitCode = undefined;
      await main(['node', 'nicraft', 'mc-chain', '--crash', 'tail', '--requests', '1', '--ticks', '1']);
      expect(process.exitCode).toBe(0);
      expect(out.join('')).toContain('no violation: every state within the bound explored');
      for (const [flag, value, allowed] of [['--crash', 'top', 'head, middle, tail, any, none'], ['--ticks', '9', 'from 0 to 6'], ['--mutation', 'x', 'forgetMaxEpoch']]) {
        out.length = 0;
        process.exitCode = undefined;
        await main(['node', 'nicraft', 'mc-chain', flag!, value!]);
        expect(process.exitCode, `mc-chain ${flag} ${value}`).toBe(2);
        expect(out.join('')).toContain(flag!);
        expect(out.join('')).toContain(allowed!);
      }
    } finally {
      process.stdout.write = origOut;
      process.stderr.write = origErr;
      process.exitCode = saved;
    }
  });
});
