// Every Jepsen etcd history gets the verdict listed in VERDICTS.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../verify/check/index.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../shared/data/jepsen-etcd');
const present = existsSync(join(DIR, 'VERDICTS'));
const rows: Array<[string, string]> = present
  ? readFileSync(join(DIR, 'VERDICTS'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.trim().split(/\s+/) as [string, string])
  : [];

describe('Jepsen etcd histories', () => {
  if (!present) {
    it.skip(`skipped: ${DIR} is absent (no Jepsen data to check)`, () => {});
    return;
  }

  it('VERDICTS lists 102 files, 23 linearizable', () => {
    expect(rows).toHaveLength(102);
    expect(rows.filter(([, v]) => v === 'linearizable')).toHaveLength(23);
  });

  it.each(rows)('%s is %s', (file, expected) => {
    const o = checkFile(join(DIR, file), { timeoutMs: 30_000 });
    expect(o.error).toBeUndefined();
    expect(o.verdict).toBe(expected === 'linearizable' ? 'linearizable' : 'not linearizable');
    if (o.verdict === 'not linearizable') {
      // The explanation names at least one operation that cannot be placed.
      expect(o.result!.failing!.frontier.length).toBeGreaterThan(0);
    }
  });
});
