#!/usr/bin/env node
// The `mmu-notifier` command. In a checkout (src/ present) it runs the TypeScript source
// through tsx, so no build step is needed; in an installed package it runs the built dist/.
import { existsSync } from 'node:fs';

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
