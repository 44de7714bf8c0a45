#!/usr/bin/env node
// Installs the project's dependencies from the lockfile when they are missing, so that the
// README's two commands (`npm start`, `npm test`) work on a fresh clone. Plain Node: it must run
// before anything is installed.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needed = ['node_modules/.bin/tsx', 'node_modules/commander', 'node_modules/fast-check'];
if (!needed.every((path) => existsSync(path))) {
  console.error('mmu-notifier: installing dependencies (npm ci)...');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
