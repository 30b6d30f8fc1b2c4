// The repository root, found from this module's location whether it runs as TypeScript (native/)
// or compiled (dist/native/): the nearest folder above that holds nicraft's package.json. Build
// inputs (hw/, native/*.cpp), outputs (build/) and scenario files are named from it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let d = start; ; d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'nicraft') return d;
      } catch { /* not ours: keep looking */ }
    }
    if (dirname(d) === d) throw new Error(`nicraft: no package.json named "nicraft" above ${start}`);
  }
}

export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
