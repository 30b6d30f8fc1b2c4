// Writes test/durations.json, the expected duration of each test file, from the log of a `make test`
// run (vitest's default reporter: "✓ test/x.test.ts (N tests) 1234ms"). vitest.config.ts starts the
// longest files first (longest-processing-time order), so that the two workers finish together
// instead of one running a 90-s file alone at the end; on a fresh clone vitest has no timings of its
// own (it would start the largest files first, by bytes). Refresh it when files are added or change
// much: `make test 2>&1 | tee /tmp/test.log; npx tsx tools/test-durations.ts /tmp/test.log`.
// Files missing from the table are treated as long (vitest.config.ts), so a new file never waits at
// the end; a stale table costs time, never a test.
//
//   tsx tools/test-durations.ts LOG [LOG ...]   (a file in several logs: the largest duration)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');   // (tools/ imports no layer)

const logs = process.argv.slice(2);
if (logs.length === 0) {
  process.stderr.write('usage: tsx tools/test-durations.ts LOG [LOG ...]\n');
  process.exit(2);
}
const table = new Map<string, number>();
for (const f of logs) {
  // eslint-disable-next-line no-control-regex
  const text = readFileSync(f, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
  for (const m of text.matchAll(/^ +[✓×❯] (test\/\S+\.test\.ts) \(\d+ tests?(?:[^)]*)\) (\d+)ms$/gmu)) {
    table.set(m[1]!, Math.max(table.get(m[1]!) ?? 0, Number(m[2])));
  }
}
if (table.size === 0) {
  process.stderr.write(`no test file durations found in ${logs.join(', ')} (expected vitest's default reporter)\n`);
  process.exit(1);
}
const sorted = Object.fromEntries([...table].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
writeFileSync(join(ROOT, 'test/durations.json'), JSON.stringify(sorted, null, 2) + '\n');
process.stdout.write(`wrote test/durations.json: ${table.size} files, ${([...table.values()].reduce((s, x) => s + x, 0) / 1000).toFixed(0)} s in all\n`);
