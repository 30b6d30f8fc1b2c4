#!/usr/bin/env node
// Entry point of the `nicraft` command. The tools are TypeScript, run through tsx.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../cli/nicraft.ts');
await main(process.argv);
