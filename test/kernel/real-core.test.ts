/**
 * Goal: `RealKernelCore` (through the package root) runs the real `mm/mmu_notifier.c` of each built Debian version:
 * callbacks in the kernel's order with the kernel's arguments, WARN_ON / BUG_ON reported with
 * the kernel's file and line (checked against the extracted source), waits that cannot
 * complete reported as would-sleep with the module left usable, and the private state read
 * by the probes. Method: small directed sequences per version; the source line of every
 * reported site is read from `.cache/kernel/<series>/tree/`. Skipped, visibly and naming the
 * apt and npm commands, for a version whose module is not built.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  availableKernelModules,
  EAGAIN,
  InvalidArgumentError,
  KernelBugError,
  type KernelDiagnostic,
  KernelModuleMissingError,
  KernelWouldSleepError,
  type MmuNotifierRange,
  OverflowError,
  RealKernelCore,
  StateError,
} from '../../src/index.ts';
import { shimDigest } from '../../src/kernel/module.ts';
import { skipWithout } from './versions.ts';

const range = (start: number, end: number, blockable: boolean): MmuNotifierRange => ({
  start,
  end,
  event: 'unmap',
  blockable,
});

/** The source at a reported site: its line and the two before (__LINE__ of a macro call
 * spanning lines is its last line). */
function sourceLine(series: string, file: string, line: number): string {
  const info = availableKernelModules().find((m) => m.series === series)!;
  const tree = join(info.path, '..', 'tree');
  return readFileSync(join(tree, file), 'utf8')
    .split('\n')
    .slice(Math.max(0, line - 3), line)
    .join('\n');
}

function core(series: string, diags: KernelDiagnostic[] = []): RealKernelCore {
  return new RealKernelCore(series, { onDiagnostic: (d) => void diags.push(d) });
}

it('a version that is not built is a KernelModuleMissingError naming npm run kernel', () => {
  assert.throws(
    () => new RealKernelCore('2.4'),
    (e: unknown) => e instanceof KernelModuleMissingError && /npm run kernel/.test(e.message),
  );
});

it('an unreadable manifest is a KernelModuleMissingError naming npm run kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmu-kernel-cache-'));
  try {
    writeFileSync(join(dir, 'manifest.json'), '{ not json');
    assert.throws(
      () => availableKernelModules(dir),
      (e: unknown) => e instanceof KernelModuleMissingError && /npm run kernel/.test(e.message),
    );
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 1, modules: [] }));
    assert.deepEqual(availableKernelModules(dir), []);
    assert.throws(() => new RealKernelCore('6.1', { cacheDir: dir }), KernelModuleMissingError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('a module built from other shims is refused as stale, naming npm run kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmu-kernel-cache-'));
  try {
    writeFileSync(join(dir, 'm.wasm'), '');
    const entry = { series: '6.1', version: '6.1.192', wasm: 'm.wasm', bytes: 0 };
    const write = (shim: string | undefined): void =>
      writeFileSync(
        join(dir, 'manifest.json'),
        JSON.stringify({ format: 1, modules: [{ ...entry, shimDigest: shim }] }),
      );
    write('0000000000000000');
    assert.throws(
      () => availableKernelModules(dir),
      (e: unknown) =>
        e instanceof KernelModuleMissingError && /other shims.*npm run kernel/.test(e.message),
    );
    write(undefined); // a manifest from before the key: stale too
    assert.throws(() => availableKernelModules(dir), KernelModuleMissingError);
    write(shimDigest());
    assert.equal(availableKernelModules(dir).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const series of ['6.1', '6.12']) {
  describe(`the real core of ${series}`, () => {
    const skip = skipWithout(series);

    it('reports its exact version from the tarball', { skip }, () => {
      const c = core(series);
      assert.match(c.version, new RegExp(`^${series.replace('.', '\\.')}\\.\\d+$`));
      assert.equal(c.hasSubscriptions, false);
      assert.equal(c.invalidateSeq, 2);
    });

    it('calls starts newest first and ends in the same order, with the range', { skip }, () => {
      const c = core(series);
      const log: string[] = [];
      for (const name of ['A', 'B']) {
        c.register(
          {
            invalidateRangeStart: (s, r) => void log.push(`start ${s.name} ${r.start}-${r.end}`),
            invalidateRangeEnd: (s) => void log.push(`end ${s.name}`),
          },
          { name },
        );
      }
      const r = range(0x1000, 0x3000, true);
      c.invalidateRangeStart(r);
      c.invalidateRangeEnd(r);
      assert.deepEqual(log, ['start B 4096-12288', 'start A 4096-12288', 'end B', 'end A']);
      assert.equal(c.mmCount, 3); // the thread's pin and one per notifier
    });

    it('reports WARN_ON(ops->invalidate_range_end) at its line in mm/mmu_notifier.c', {
      skip,
    }, () => {
      const diags: KernelDiagnostic[] = [];
      const c = core(series, diags);
      c.register({ invalidateRangeStart: () => EAGAIN, invalidateRangeEnd: () => {} });
      assert.equal(c.invalidateRangeStartNonblock(range(0, 0x1000, false)), EAGAIN);
      assert.equal(diags.length, 1);
      const d = diags[0]!;
      assert.equal(d.kind, 'warn');
      assert.equal(d.file, 'mm/mmu_notifier.c');
      assert.equal(d.condition, 'ops->invalidate_range_end');
      assert.match(sourceLine(series, d.file, d.line), /WARN_ON\(ops->invalidate_range_end\)/);
    });

    it('itree-nonblock-unwind on the real code: a failed non-blockable start with an interval: 6.1.192 leaves the interval part active (a later readBegin would sleep), 6.12.118 ends it', {
      skip,
    }, () => {
      const c = core(series);
      c.register({ invalidateRangeStart: (_s, r) => (r.blockable ? 0 : EAGAIN) });
      const iv = c.insertInterval(0, 0x1000, {
        invalidate: (s, _r, seq) => {
          s.setSeq(seq);
          return true;
        },
      });
      assert.equal(c.invalidateRangeStartNonblock(range(0, 0x1000, false)), EAGAIN);
      if (series === '6.1') {
        assert.deepEqual([c.activeInvalidateRanges, c.invalidateSeq % 2], [1, 1]);
        assert.throws(
          () => iv.readBegin(),
          (e: unknown) => {
            assert.ok(e instanceof KernelWouldSleepError);
            assert.match(sourceLine(series, e.site.file, e.site.line), /wait_event/);
            return true;
          },
        );
      } else {
        assert.deepEqual([c.activeInvalidateRanges, c.invalidateSeq], [0, 4]);
        assert.equal(iv.readBegin(), 3);
      }
    });

    it('a remove during an invalidation would sleep; the last end applies it', { skip }, () => {
      const c = core(series);
      const iv = c.insertInterval(0x1000, 0x1000, { invalidate: () => true });
      const r = range(0, 0x4000, true);
      c.invalidateRangeStart(r);
      assert.equal(c.invalidateSeq, 3);
      assert.throws(() => iv.remove(), KernelWouldSleepError);
      assert.equal(c.deferredCount, 1);
      assert.equal(c.dead, false);
      c.invalidateRangeEnd(r);
      assert.deepEqual([c.deferredCount, c.activeInvalidateRanges, c.invalidateSeq], [0, 0, 4]);
      assert.throws(() => iv.readBegin(), StateError); // removed
    });

    it('get shares one subscription per ops; the last put frees it at the grace period', {
      skip,
    }, () => {
      const c = core(series);
      const freed: string[] = [];
      const ops = { freeNotifier: (s: { name: string }) => void freed.push(s.name) };
      const a = c.get(ops, { name: 'shared' });
      assert.equal(c.get(ops), a);
      c.put(a);
      c.put(a);
      assert.deepEqual(freed, []);
      c.synchronize();
      assert.deepEqual(freed, ['shared']);
    });

    it('release invalidates every interval over [0, ULONG_MAX) and calls every release', {
      skip,
    }, () => {
      const c = core(series);
      const log: string[] = [];
      c.register({ release: (s) => void log.push(`release ${s.name}`) }, { name: 'A' });
      c.insertInterval(0x5000, 0x1000, {
        invalidate: (_s, r) => {
          log.push(`${r.event} ${r.start}-${r.end} ${r.blockable}`);
          return true;
        },
      });
      c.release();
      assert.deepEqual(log, ['release 0-4294967295 true', 'release A']);
    });

    it('young queries: clear_young ORs every answer, test_young stops at the first', {
      skip,
    }, () => {
      const c = core(series);
      const asked: string[] = [];
      const answer = (text: string, young: boolean) => () => {
        asked.push(text);
        return young;
      };
      for (const [name, young] of [
        ['A', true],
        ['B', true],
        ['C', false],
      ] as const) {
        c.register(
          { clearYoung: answer(`cy ${name}`, young), testYoung: answer(`ty ${name}`, young) },
          { name },
        );
      }
      assert.equal(c.clearYoung(0, 0x1000), true);
      assert.equal(c.testYoung(0), true);
      assert.deepEqual(asked, ['cy C', 'cy B', 'cy A', 'ty C', 'ty B']);
    });

    it('a register inside an invalidation would sleep in mm_take_all_locks', { skip }, () => {
      const c = core(series);
      c.register({});
      const r = range(0, 0x1000, true);
      c.invalidateRangeStart(r);
      assert.throws(() => c.register({}), /mm_take_all_locks/);
      c.invalidateRangeEnd(r);
      c.register({});
    });

    it("takeAllLocks 'proceeds': a register inside an invalidation runs on, and the end calls it", {
      skip,
    }, () => {
      const c = new RealKernelCore(series, { takeAllLocks: 'proceeds' });
      const log: string[] = [];
      const r = range(0, 0x1000, true);
      c.invalidateRangeStart(r);
      c.register({ invalidateRangeEnd: (s) => void log.push(`end ${s.name}`) }, { name: 'late' });
      c.invalidateRangeEnd(r);
      assert.deepEqual(log, ['end late']); // an end it never started (docs: register-in-flight)
      assert.throws(
        () => new RealKernelCore(series, { takeAllLocks: 'never' as 'sleeps' }),
        (e: unknown) => e instanceof InvalidArgumentError && /takeAllLocks/.test(e.message),
      );
    });

    it('BUG_ON is reported with its line and kills the module', { skip }, () => {
      const diags: KernelDiagnostic[] = [];
      const c = core(series, diags);
      c.register({});
      c.release();
      // exit_mmap ran: mm_users is 0, and __mmu_notifier_register BUG_ONs on it.
      assert.throws(() => c.get({}), KernelBugError);
      assert.equal(diags.at(-1)?.kind, 'bug');
      assert.match(sourceLine(series, diags.at(-1)!.file, diags.at(-1)!.line), /BUG_ON/);
      assert.equal(c.dead, true);
      assert.throws(() => c.synchronize(), StateError);
    });

    it('an unregister from inside a callback would sleep in synchronize_srcu: the module dies', {
      skip,
    }, () => {
      const c = core(series);
      const self: { sub?: ReturnType<RealKernelCore['register']> } = {};
      self.sub = c.register({ invalidateRangeStart: () => c.unregister(self.sub!) });
      assert.throws(
        () => c.invalidateRangeStart(range(0, 0x1000, true)),
        (e: unknown) => {
          assert.ok(e instanceof KernelWouldSleepError);
          assert.match(e.message, /synchronize_srcu/);
          return true;
        },
      );
      assert.equal(c.dead, true);
    });

    it("a zero-length interval is the kernel's -EOVERFLOW", { skip }, () => {
      const c = core(series);
      assert.throws(() => c.insertInterval(0x1000, 0, { invalidate: () => true }), OverflowError);
      assert.equal(c.hasItree, true); // the register(NULL) before the check already ran
    });

    it('a callback that throws reaches the caller and leaves the module dead', { skip }, () => {
      const c = core(series);
      c.register({
        invalidateRangeStart: () => {
          throw new Error('driver bug');
        },
      });
      assert.throws(() => c.invalidateRangeStart(range(0, 0x1000, true)), /driver bug/);
      assert.throws(() => c.clearYoung(0, 1), StateError);
    });
  });
}
