/**
 * `npm run build` emits the package root with declarations, and the built package works:
 * the build runs into a scratch folder (the real `dist/` is left alone) and the emitted
 * `index.js` is imported and used.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';

describe('the build', () => {
  it('emits index.js and index.d.ts that import and run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mmu-notifier-build-'));
    try {
      execFileSync(
        process.execPath,
        ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', out],
        { stdio: 'pipe' },
      );
      assert.ok(existsSync(join(out, 'index.js')), 'index.js emitted');
      assert.ok(existsSync(join(out, 'index.d.ts')), 'index.d.ts emitted');
      const lib = (await import(
        pathToFileURL(join(out, 'index.js')).href
      )) as typeof import('../../src/index.ts');
      const mm = new lib.AddressSpace();
      let calls = 0;
      mm.register({
        invalidateRangeStart: () => void calls++,
        invalidateRangeEnd: () => void calls++,
      });
      const range = { start: 0, end: 4096, event: 'unmap', blockable: false } as const;
      assert.equal(mm.invalidateRangeStartNonblock(range), 0);
      mm.invalidateRangeEnd(range);
      assert.equal(calls, 2);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
