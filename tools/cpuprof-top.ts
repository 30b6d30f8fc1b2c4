// The top functions of V8 .cpuprofile files by self time (`npx tsx tools/cpuprof-top.ts [-n N] FILE...`):
// per file, the busy time (every sample but (idle)) and the N functions with the most self time.
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const args = process.argv.slice(2);
let top = 5;
if (args[0] === '-n') { top = Number(args[1]); args.splice(0, 2); }
if (args.length === 0 || !Number.isInteger(top) || top < 1) { console.error('usage: cpuprof-top.ts [-n N] FILE.cpuprofile...'); process.exit(2); }
for (const f of args) {
  const p = JSON.parse(readFileSync(f, 'utf8')) as Profile;
  if (!p.nodes?.length || !p.samples?.length) { console.error(`${f}: no samples`); process.exit(1); }
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!)!;
    const dt = p.timeDeltas[i + 1] ?? 0;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') continue;
    busy += dt;
    const where = n.callFrame.url ? ` ${n.callFrame.url.replace(/^.*\/(ctrl|dist|node_modules|bin)\//, '$1/')}:${n.callFrame.lineNumber + 1}` : '';
    const k = name + where;
    self.set(k, (self.get(k) ?? 0) + dt);
  }
  const wall = p.endTime - p.startTime;
  console.log(`${f}: wall ${(wall / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / wall).toFixed(0)}%)`);
  for (const [k, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${((100 * us) / busy).toFixed(1).padStart(5)}% of busy  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  }
}
