#!/usr/bin/env node
// The `mmu-notifier` command. In a checkout (src/ present) it runs the TypeScript source
// through tsx, so no build step is needed; in an installed package it runs the built dist/.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Before anything is allocated: V8's allocation-site pretenuring sends the checker's per-run
// objects to the old generation (each run's world then lives until a mark-compact), which
// halves its speed on the kernel-model scenarios (README "Performance"). The flag changes
// only where V8 allocates, never what a program computes.
setFlagsFromString('--no-allocation-site-pretenuring');

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(source.href);
  await main();
} else {
  const { main } = await import('../dist/cli/main.js');
  await main();
}
