#!/usr/bin/env node
// Entry point of the `nicraft` command. It runs the compiled JavaScript in dist/ (`make build` or
// `npm run prepare` writes it), so a command starts in tens of milliseconds. When dist/ is missing or
// older than a source file (a development checkout after an edit), it runs the TypeScript sources
// through tsx instead: slower to start, never stale.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.stamp');
const SOURCES = ['cli', 'ctrl', 'sim', 'verify', 'bench', 'native', 'proto'];

function newerThan(dir, t) {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return false; }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) { if (newerThan(p, t)) return true; }
    else if (/\.(ts|proto)$/.test(e.name) && statSync(p).mtimeMs > t) return true;
  }
  return false;
}

function distIsCurrent() {
  if (process.env.NICRAFT_TSX === '1') return false;
  if (!existsSync(stamp)) return false;
  const t = statSync(stamp).mtimeMs;
  return !SOURCES.some((d) => newerThan(join(root, d), t));
}

let main;
if (distIsCurrent()) {
  ({ main } = await import('../dist/cli/nicraft.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/nicraft.ts'));
}
await main(process.argv);
