/**
 * Goal: every symbol the package root exports, and every public member of its classes,
 * interfaces and object types, carries TSDoc; and `package.json` points the root export at
 * what the build emits from `src/index.ts`. No part of `src/` is exempt.
 * Method: `findUndocumented` (one compiler `Program` over `src/index.ts`, see
 * `exported-docs.ts`) lists each undocumented symbol as `file:line name`; the package
 * manifest and `tsconfig.build.json` are read as JSON.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findUndocumented } from './exported-docs.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Fewer exports than this means the walk lost the re-exports, not that the API shrank. */
const EXPORTS_MIN = 150;

function readJson(name: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, name), 'utf8'));
}

describe('public API documentation', () => {
  it('has TSDoc on every exported symbol and public member', () => {
    const report = findUndocumented(ROOT, join(ROOT, 'src', 'index.ts'));
    assert.ok(report.symbols >= EXPORTS_MIN, `only ${report.symbols} exports found`);
    assert.ok(report.members > 0, 'no members found');
    const lines = report.missing.map((m) => `  ${m.file}:${m.line} ${m.name}`);
    assert.equal(
      report.missing.length,
      0,
      `${report.missing.length} exported symbols or members without TSDoc:\n${lines.join('\n')}`,
    );
  });
});

describe('package entry point', () => {
  it("exports['.'] points at dist/index.js and dist/index.d.ts", () => {
    const pkg = readJson('package.json') as {
      exports?: Record<string, { types?: string; import?: string }>;
      main?: string;
      types?: string;
    };
    const root = pkg.exports?.['.'];
    assert.deepEqual(root, { types: './dist/index.d.ts', import: './dist/index.js' });
    assert.equal(Object.keys(root ?? {})[0], 'types', "'types' must come first in the condition");
    assert.equal(pkg.main, './dist/index.js');
    assert.equal(pkg.types, './dist/index.d.ts');
  });

  it('builds src/index.ts to dist/index.js', () => {
    const build = readJson('tsconfig.build.json') as {
      compilerOptions?: { rootDir?: string; outDir?: string };
    };
    assert.equal(build.compilerOptions?.rootDir, 'src');
    assert.equal(build.compilerOptions?.outDir, 'dist');
  });
});
