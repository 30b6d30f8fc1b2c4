// Every Jepsen etcd history in testdata/jepsen-etcd gets the verdict listed in VERDICTS.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../verify/check/index.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../testdata/jepsen-etcd');
const rows = readFileSync(join(DIR, 'VERDICTS'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => l.trim().split(/\s+/) as [string, string]);

describe('Jepsen etcd histories (testdata/jepsen-etcd)', () => {
  it('VERDICTS lists 102 files, 23 linearizable', () => {
    expect(rows).toHaveLength(102);
    expect(rows.filter(([, v]) => v === 'linearizable')).toHaveLength(23);
  });

  it.each(rows)('%s is %s', async (file, expected) => {
    const o = await checkFile(join(DIR, file), { timeoutMs: 30_000 });
    expect(o.error).toBeUndefined();
    expect(o.spec).toEqual({ name: 'register', initial: 'nil' });
    expect(o.verdict).toBe(expected === 'linearizable' ? 'linearizable' : 'not linearizable');
    if (o.verdict === 'not linearizable') {
      // The explanation names at least one operation that cannot be placed.
      expect(o.result!.failing!.frontier.length).toBeGreaterThan(0);
    }
  });
});
