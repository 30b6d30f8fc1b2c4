// The WOR checks themselves: the write-once register model accepts and rejects what it must, and
// the campaign's checks fail when a bug is injected into the WOR space or a participant.
import { afterEach, describe, expect, it } from 'vitest';
import { checkOperations } from '../../verify/check/checker.js';
import { worModel, modelByName } from '../../verify/check/models.js';
import type { Operation } from '../../verify/check/types.js';
import { WorSpace } from '../../ctrl/app/wor/space.js';
import { Participant } from '../../ctrl/app/wor/txn.js';
import { runWorSeed } from '../../verify/fuzz/wor.js';

let id = 0;
const op = (o: Partial<Operation> & Pick<Operation, 'kind' | 'call' | 'ret'>): Operation =>
  ({ id: id++, process: 1, f: o.kind, key: 'r', status: 'ok', ...o }) as Operation;
const check = (ops: Operation[]) => { ops.forEach((o, i) => { o.id = i; }); return checkOperations(worModel, ops).verdict; };

describe('the write-once register model', () => {
  it('accepts one write, a failed second write of another value, and the same value again', () => {
    expect(check([
      op({ kind: 'read', call: 0, ret: 1, result: null }),
      op({ kind: 'write', value: 'a', call: 2, ret: 3 }),
      op({ kind: 'write', value: 'b', status: 'fail', call: 4, ret: 5 }),
      op({ kind: 'write', value: 'a', call: 6, ret: 7 }),
      op({ kind: 'read', call: 8, ret: 9, result: 'a' }),
    ])).toBe('linearizable');
    expect(modelByName('wor')).toBe(worModel);
  });
  it('rejects a second successful write of another value, and a register that changes', () => {
    expect(check([op({ kind: 'write', value: 'a', call: 0, ret: 1 }), op({ kind: 'write', value: 'b', call: 2, ret: 3 })])).toBe('not linearizable');
    expect(check([
      op({ kind: 'write', value: 'a', call: 0, ret: 1 }),
      op({ kind: 'read', call: 2, ret: 3, result: 'a' }),
      op({ kind: 'read', call: 4, ret: 5, result: 'b' }),
    ])).toBe('not linearizable');
  });
  it('rejects a failed write on an empty register, and accepts concurrent writes where one wins', () => {
    expect(check([op({ kind: 'write', value: 'a', status: 'fail', call: 0, ret: 1 }), op({ kind: 'read', call: 2, ret: 3, result: null })])).toBe('not linearizable');
    expect(check([
      op({ kind: 'write', value: 'a', call: 0, ret: 10, process: 1 }),
      op({ kind: 'write', value: 'b', status: 'fail', call: 1, ret: 9, process: 2 }),
      op({ kind: 'read', call: 11, ret: 12, result: 'a' }),
    ])).toBe('linearizable');
    // an indeterminate write may have taken effect
    expect(check([op({ kind: 'write', value: 'a', status: 'unknown', call: 0, ret: Infinity }), op({ kind: 'read', call: 5, ret: 6, result: 'a' })])).toBe('linearizable');
  });
});

describe('a WOR campaign seed replays exactly', () => {
  it('the same seed gives the same run', async () => {
    const strip = (r: Awaited<ReturnType<typeof runWorSeed>>) => ({ ...r, summary: r.summary.replace(/, \d+ ms$/, ''), stats: { ...r.stats, wallMs: 0 } });
    const a = strip(await runWorSeed(6));
    const b = strip(await runWorSeed(6));
    expect(b).toEqual(a);
    expect(a.stats.appends).toBeGreaterThan(0);
  }, 60_000);
});

describe('the campaign catches injected bugs', () => {
  const execute = WorSpace.prototype.execute;
  const apply = (Participant.prototype as unknown as { apply: (s: number, d: string) => void }).apply;
  afterEach(() => {
    WorSpace.prototype.execute = execute;
    (Participant.prototype as unknown as { apply: unknown }).apply = apply;
  });

  it('registers that can be overwritten: the checks fail', async () => {
    WorSpace.prototype.execute = function (this: WorSpace, c) {
      if (c.op === 'wor.write') {
        // the bug: a write replaces the value (the register is not write-once any more)
        const r = execute.call(this, c);
        if (r.status !== 18) return r;
        const regs = (this as unknown as { regs: Map<number, { value?: Uint8Array }> }).regs;
        regs.get(c.addr)!.value = c.value;
        return { status: 0, addr: c.addr, epoch: c.epoch };
      }
      return execute.call(this, c);
    };
    const failures: string[] = [];
    for (const s of [1, 2, 3, 4]) failures.push(...(await runWorSeed(s)).failures);
    expect(failures.join('\n')).toMatch(/registers: the history is not linearizable/);
  }, 60_000);

  it('a participant that commits what was aborted: atomicity fails', async () => {
    (Participant.prototype as unknown as { apply: (s: number, d: string) => void }).apply = function (this: Participant, slot: number, d: string) {
      if (this.name === 'p0') {
        this.disk.voted.set(slot, 'C');
        return apply.call(this, slot, 'commit');
      }
      return apply.call(this, slot, d);
    };
    let failed = 0;
    for (const s of [1, 2, 3, 4]) if (!(await runWorSeed(s)).ok) failed++;
    expect(failed).toBeGreaterThan(0);
  }, 60_000);
});
