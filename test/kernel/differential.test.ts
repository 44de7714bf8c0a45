/**
 * Goal: each TS semantics agrees with the real kernel version it is held to
 * (`versions.ts`: series -> semantics), step by step, on command sequences one kernel thread
 * may issue; every disagreement is a known, classified one listed for that pair. Method:
 * fast-check sequences (`commands.ts`) run on `AddressSpace` and on `RealKernelCore`
 * (`differential.ts`), compared after every step: answer, callbacks with arguments in order,
 * WARN classes, would-sleep points, `invalidate_seq`, `active_invalidate_ranges`. Prints
 * sequences, steps, agreement and time per version.
 *
 * `current` (ours) is also run against each version: every difference must be a row of
 * docs/semantics.md marked as ours, and the failure message says which (`pairing-rows.ts`).
 *
 * Runs: `MMU_NOTIFIER_DIFF_RUNS` (default 10,000 per version; `current`:
 * `MMU_NOTIFIER_DIFF_CURRENT_RUNS`, default 2,000), seed
 * `MMU_NOTIFIER_DIFF_SEED` (default fixed). Skipped visibly when a module is not built.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { Semantics } from '../../src/core/range.ts';
import { availableKernelModules } from '../../src/kernel/module.ts';
import { type Cmd, sequenceArb } from './commands.ts';
import { describeDisagreement, FEATURES, runDifferential } from './differential.ts';
import { RealSide } from './real-side.ts';
import type { NotifierSpec } from './sides.ts';
import {
  type DifferenceClass,
  EXPECTED_DIFFERENCES,
  SEMANTICS_FOR_SERIES,
  skipWithout,
} from './versions.ts';

const RUNS = Number(process.env['MMU_NOTIFIER_DIFF_RUNS'] ?? 10_000);
/** `current` vs the real code: every difference must be a row of docs/semantics.md. */
const CURRENT_RUNS = Number(process.env['MMU_NOTIFIER_DIFF_CURRENT_RUNS'] ?? 2_000);
/** `kernel` (the alias of `linux-6.12`) vs real 6.12. */
const ALIAS_RUNS = Number(process.env['MMU_NOTIFIER_DIFF_ALIAS_RUNS'] ?? 1_000);
const SEED = Number(process.env['MMU_NOTIFIER_DIFF_SEED'] ?? 20_261_207);

/** A notifier with no callbacks (the tests below spread it). */
const QUIET: NotifierSpec = {
  start: 'none',
  end: false,
  release: false,
  young: [undefined, undefined, undefined],
  tlbs: false,
};

/** The stable fix's witness: a failing non-blockable list start with an interval present. */
const FIX_WITNESS: Cmd[] = [
  { op: 'register', spec: { ...QUIET, start: 'fail-nonblock' } },
  { op: 'insert', page: 0, pages: 1, mode: 'ok' },
  { op: 'start', page: 0, pages: 1, blockable: false, event: 'unmap' },
  { op: 'readBegin', pick: 0 },
];

interface PairStats {
  readonly version: string;
  readonly steps: number;
  /** Sequences per outcome: `agree`, or each class found in it. */
  readonly kinds: ReadonlyMap<string, number>;
  readonly reached: ReadonlyMap<string, number>;
}

/** Runs `runs` sequences on `semantics` and real `series`; fails on an unexpected difference. */
async function runPair(
  semantics: Semantics,
  series: string,
  runs: number,
  expected: readonly DifferenceClass[],
): Promise<PairStats> {
  const kinds = new Map<string, number>();
  const reached = new Map<string, number>();
  let steps = 0;
  let version = series;
  await fc.assert(
    fc.asyncProperty(sequenceArb, async (cmds) => {
      const r = await runDifferential(semantics, series, cmds);
      steps += r.steps;
      version = r.version;
      for (const f of r.features) reached.set(f, (reached.get(f) ?? 0) + 1);
      const all = r.disagreement === null ? r.differences : [...r.differences, r.disagreement];
      const rows = new Set<string>(
        all.flatMap((d): string[] => (d.rows.length === 0 ? ['unknown'] : [...d.rows])),
      );
      if (all.length === 0) rows.add('agree');
      for (const k of rows) kinds.set(k, (kinds.get(k) ?? 0) + 1);
      for (const d of all) {
        if (d.rows.length === 0 || !d.rows.every((k) => expected.includes(k)))
          assert.fail(describeDisagreement(d, semantics, r.version));
      }
    }),
    { numRuns: runs, seed: SEED, includeErrorInReport: true },
  );
  return { version, steps, kinds, reached };
}

/** The report line of a pair, and the checks on what it found and reached. */
function reportPair(
  t: TestContext,
  semantics: Semantics,
  runs: number,
  expected: readonly DifferenceClass[],
  stats: PairStats,
  seconds: number,
): void {
  const { kinds, reached } = stats;
  const agree = kinds.get('agree') ?? 0;
  const known = expected.map((k) => `${k} ${kinds.get(k) ?? 0}`).join(', ') || 'none';
  const line =
    `differential: ${semantics} vs real ${stats.version}: ${runs} sequences, ${stats.steps} steps, ` +
    `agreement ${agree}/${runs} (${((100 * agree) / runs).toFixed(2)}%), known differences: ${known}; ` +
    `${seconds.toFixed(1)} s, seed ${SEED}`;
  // `current` always stops at a first insert while ranges are open (its row changes the
  // counts), so only its difference shows it; instead it must go on past a classified one.
  const features =
    semantics === 'current'
      ? [...FEATURES.filter((f) => f !== 'first-insert-in-flight'), 'past-difference']
      : FEATURES;
  const reach = `sequences reaching: ${features.map((f) => `${f} ${reached.get(f) ?? 0}`).join(', ')}`;
  t.diagnostic(line);
  t.diagnostic(reach);
  if (runs >= 1000) {
    for (const f of features) assert.ok((reached.get(f) ?? 0) > 0, `no sequence reached ${f}`);
    for (const k of expected) assert.ok((kinds.get(k) ?? 0) > 0, `${k} not found in ${runs} runs`);
  }
  if (expected.length === 0) assert.equal(agree, runs);
}

it('every class the differential allows is a row of docs/semantics.md; current vs 6.12: one marked ours', () => {
  const doc = readFileSync(new URL('../../docs/semantics.md', import.meta.url), 'utf8');
  // the row whose first cell carries the anchor
  const row = (name: string) =>
    doc
      .split('\n')
      .find((l) => l.startsWith('|') && (l.split('|')[1] ?? '').includes(`{#${name}}`));
  for (const [pair, classes] of Object.entries(EXPECTED_DIFFERENCES)) {
    for (const name of classes) {
      const line = row(name);
      assert.ok(line?.includes('_differs_'), `${pair}: ${name} is no row marked _differs_`);
      if (pair === 'current@6.12') {
        const currentCell = line?.split('|')[2] ?? '';
        assert.match(currentCell, /\bours\b/, `${name}: the current cell does not say ours`);
      }
    }
  }
});

describe('the TS semantics against the real kernel', () => {
  // Every series of the table (skipped visibly when not built), and any other one built
  // (skipped visibly until versions.ts names the semantics it is held to).
  const built = availableKernelModules().map((m) => m.series);
  for (const series of [...new Set([...Object.keys(SEMANTICS_FOR_SERIES), ...built])]) {
    const listed = SEMANTICS_FOR_SERIES[series];
    const skip =
      listed === undefined
        ? `real ${series} is built but test/kernel/versions.ts names no semantics for it`
        : skipWithout(series);
    const pairs: [Semantics, number][] = [
      [listed ?? 'kernel', RUNS],
      ['current', CURRENT_RUNS],
    ];
    // `kernel` is an alias of `linux-6.12`: a shorter run checks the alias is wired.
    if (listed === 'linux-6.12') pairs.push(['kernel', ALIAS_RUNS]);
    for (const [semantics, runs] of pairs) {
      const expected = EXPECTED_DIFFERENCES[`${semantics}@${series}`] ?? [];
      const what = expected.length === 0 ? '100% agreement' : 'only listed differences';
      it(`${semantics} vs real ${series}: ${runs} sequences, ${what}`, { skip }, async (t) => {
        const t0 = performance.now();
        const stats = await runPair(semantics, series, runs, expected);
        reportPair(t, semantics, runs, expected, stats, (performance.now() - t0) / 1000);
      });
    }
  }

  it('tells the versions apart: the stable fix in 6.12.118, the flaw in 6.1.192', {
    skip: skipWithout('6.12') || skipWithout('6.1'),
  }, async () => {
    const on612 = await runDifferential('linux-6.1', '6.12', FIX_WITNESS);
    assert.equal(on612.disagreement?.kind, 'itree-on-list-failure');
    assert.deepEqual([on612.disagreement.ts.active, on612.disagreement.real.active], [1, 0]);
    const on61 = await runDifferential('linux-6.12', '6.1', FIX_WITNESS);
    assert.deepEqual([on61.disagreement?.ts.active, on61.disagreement?.real.active], [0, 1]);
    for (const [semantics, series] of [
      ['linux-6.1', '6.1'],
      ['linux-6.12', '6.12'],
      ['kernel', '6.12'],
    ] as const) {
      const r = await runDifferential(semantics, series, FIX_WITNESS);
      assert.equal(r.disagreement, null, `${semantics} vs ${series}`);
      assert.equal(r.steps, 4);
    }
  });

  it('finds 6.1 calling invalidate_range (our archInvalidateSecondaryTlbs) at every end, also combined with an end', {
    skip: skipWithout('6.1') || skipWithout('6.12'),
  }, async () => {
    const cmds: Cmd[] = [
      { op: 'register', spec: { ...QUIET, tlbs: true } },
      { op: 'start', page: 1, pages: 2, blockable: true, event: 'clear' },
      { op: 'end', pick: 0 },
    ];
    const on61 = await runDifferential('linux-6.12', '6.1', cmds);
    assert.equal(on61.disagreement, null); // classified, the state equal: the run went on
    assert.equal(on61.differences[0]?.kind, 'secondary-tlb-at-end');
    assert.deepEqual(on61.differences[0].real.calls, ['tlbs n1 4096-12288']);
    assert.equal((await runDifferential('linux-6.1', '6.1', cmds)).disagreement, null);
    assert.equal((await runDifferential('linux-6.12', '6.12', cmds)).disagreement, null);
    // 6.1.192 accepts the callback with a start and an end: at the end, invalidate_range
    // first, then the end, notifier by notifier; 6.12.118 refuses the register (-EINVAL).
    const combined: Cmd[] = [
      { op: 'register', spec: { ...QUIET, start: 'ok', end: true, tlbs: true } },
      { op: 'register', spec: { ...QUIET, end: true } },
      ...cmds.slice(1),
    ];
    const c61 = await runDifferential('linux-6.1', '6.1', combined);
    assert.deepEqual([c61.disagreement, c61.differences.length, c61.steps], [null, 0, 4]);
    const real61 = new RealSide('6.1');
    await real61.register('n1', { ...QUIET, start: 'ok', end: true, tlbs: true });
    await real61.register('n2', { ...QUIET, end: true });
    const r = Object.freeze({
      start: 0x1000,
      end: 0x3000,
      event: 'clear' as const,
      blockable: true,
    });
    await real61.start(r);
    await real61.end(r);
    assert.deepEqual(real61.log.slice(-3), [
      'end n2 clear [1000, 3000) b',
      'tlbs n1 4096-12288',
      'end n1 clear [1000, 3000) b',
    ]);
    const real612 = new RealSide('6.12');
    assert.equal(await real612.register('n1', { ...QUIET, end: true, tlbs: true }), 'refused');
    assert.equal((await runDifferential('linux-6.12', '6.12', combined)).disagreement, null);
  });

  it('can disagree: current (exact pairing) is not the real 6.1, and goes on past the row', {
    skip: skipWithout('6.1'),
  }, async () => {
    // A blockable start that fails, on a notifier with an end: the kernel unwinds (ends it)
    // and the caller's end ends it again; `current` gives it no end at all.
    const cmds: Cmd[] = [
      { op: 'register', spec: { ...QUIET, start: 'fail-always', end: true } },
      { op: 'start', page: 0, pages: 1, blockable: true, event: 'unmap' },
      { op: 'end', pick: 0 },
      { op: 'start', page: 0, pages: 1, blockable: false, event: 'unmap' },
    ];
    const r = await runDifferential('current', '6.1', cmds);
    assert.equal(r.disagreement, null);
    // the rows of docs/semantics.md: at the start, at the caller's end, at the next start
    assert.deepEqual(
      r.differences.map((d) => [d.index, ...d.rows]),
      [
        [1, 'blockable-failure'],
        [2, 'blockable-failure'],
        [3, 'failing-start-with-end'],
      ],
    );
    assert.deepEqual(r.differences[1]?.real.calls, ['end n1 unmap [0, 1000) b']);
    const k = await runDifferential('linux-6.1', '6.1', cmds);
    assert.deepEqual([k.disagreement, k.differences.length], [null, 0]);
  });

  it('a notifier registered while a range is open: the real end calls it (row register-in-flight)', {
    skip: skipWithout('6.12'),
  }, async () => {
    const cmds: Cmd[] = [
      { op: 'start', page: 0, pages: 2, blockable: true, event: 'unmap' },
      { op: 'register', spec: { ...QUIET, start: 'ok', end: true } },
      { op: 'end', pick: 0 },
    ];
    const r = await runDifferential('current', '6.12', cmds);
    assert.equal(r.disagreement, null);
    assert.deepEqual(
      r.differences.map((d) => d.rows),
      [['register-in-flight']],
    );
    assert.deepEqual(r.differences[0]?.real.calls, ['end n1 unmap [0, 2000) b']);
    const k = await runDifferential('linux-6.12', '6.12', cmds);
    assert.deepEqual([k.disagreement, k.differences.length], [null, 0]);
  });
});
