#!/usr/bin/env node
// The `mmu-notifier` command. In a checkout (src/ present) it runs the TypeScript source
// through tsx, so no build step is needed; in an installed package it runs the built dist/.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Before anything is allocated: V8's allocation-site pretenuring sends some of the checker's
// per-run objects to the old generation. Since a run releases its tasks and world when it
// ends, those objects no longer keep whole runs alive, but the defaults are still 10-25%
// slower on a long kernel-model proof (README "V8's allocation-site pretenuring").
// The flag changes only where V8 allocates, never what a program computes.
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
