// Runs every testdata/*.txt against the in-test network and compares with the golden output.
// REWRITE=1 regenerates the goldens.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFile, render, run } from './interp.js';
import type { Harness } from './harness.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), '../../testdata');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

describe('interaction', () => {
  for (const f of files) {
    it(f, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const { blocks, chunks } = parseFile(text);
      let h: Harness | undefined;
      const outputs: string[][] = [];
      for (const b of blocks) {
        let out: string[];
        try {
          out = run(h, b.cmd, (x) => (h = x));
        } catch (e) {
          out = [`error: ${(e as Error).message}`];
        }
        outputs.push(out.length ? out : ['ok']);
      }
      if (process.env.REWRITE) {
        writeFileSync(join(dir, f), render(chunks, blocks, outputs));
        return;
      }
      for (let k = 0; k < blocks.length; k++) {
        expect(outputs[k]!.join('\n'), `${f}:${blocks[k]!.line}: ${blocks[k]!.cmd}`).toBe(blocks[k]!.expected.join('\n'));
      }
    });
  }
});
