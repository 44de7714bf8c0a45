/**
 * Goal: each TS semantics agrees with the real kernel version it is held to
 * (`versions.ts`: series -> semantics), step by step, on command sequences one kernel thread
 * may issue; every disagreement is a known, classified one listed for that pair. Method:
 * fast-check sequences (`commands.ts`) run on `AddressSpace` and on `RealKernelCore`
 * (`differential.ts`), compared after every step: answer, callbacks with arguments in order,
 * WARN classes, would-sleep points, `invalidate_seq`, `active_invalidate_ranges`. Prints
 * sequences, steps, agreement and time per version.
 *
 * Runs: `MMU_NOTIFIER_DIFF_RUNS` (default 10,000 per version), seed
 * `MMU_NOTIFIER_DIFF_SEED` (default fixed). Skipped visibly when a module is not built.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { availableKernelModules } from '../../src/kernel/module.ts';
import { type Cmd, sequenceArb } from './commands.ts';
import { describeDisagreement, FEATURES, runDifferential } from './differential.ts';
import { EXPECTED_DIFFERENCES, SEMANTICS_FOR_SERIES, skipWithout } from './versions.ts';

const RUNS = Number(process.env['MMU_NOTIFIER_DIFF_RUNS'] ?? 10_000);
const SEED = Number(process.env['MMU_NOTIFIER_DIFF_SEED'] ?? 20_261_207);

/** The stable fix's witness: a failing non-blockable list start with an interval present. */
const FIX_WITNESS: Cmd[] = [
  {
    op: 'register',
    spec: {
      start: 'fail-nonblock',
      end: false,
      release: false,
      young: [undefined, undefined, undefined],
      tlbs: false,
    },
  },
  { op: 'insert', page: 0, pages: 1, mode: 'ok' },
  { op: 'start', page: 0, pages: 1, blockable: false, event: 'unmap' },
  { op: 'readBegin', pick: 0 },
];

describe('the TS semantics against the real kernel', () => {
  // Every series of the table (skipped visibly when not built), and any other one built
  // (skipped visibly until versions.ts names the semantics it is held to).
  const built = availableKernelModules().map((m) => m.series);
  for (const series of [...new Set([...Object.keys(SEMANTICS_FOR_SERIES), ...built])]) {
    const listed = SEMANTICS_FOR_SERIES[series];
    const semantics = listed ?? 'kernel';
    const expected = EXPECTED_DIFFERENCES[`${semantics}@${series}`] ?? [];
    const skip =
      listed === undefined
        ? `real ${series} is built but test/kernel/versions.ts names no semantics for it`
        : skipWithout(series);

    it(`${semantics} vs real ${series}: ${RUNS} sequences, only known differences`, {
      skip,
    }, async (t) => {
      const t0 = performance.now();
      const kinds = new Map<string, number>();
      let steps = 0;
      const reached = new Map<string, number>();
      let version = series;
      await fc.assert(
        fc.asyncProperty(sequenceArb, async (cmds) => {
          const r = await runDifferential(semantics, series, cmds);
          steps += r.steps;
          for (const f of r.features) reached.set(f, (reached.get(f) ?? 0) + 1);
          version = r.version;
          const d = r.disagreement;
          const kind = d?.kind ?? 'agree';
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
          if (d !== null && !expected.includes(d.kind as never)) {
            assert.fail(describeDisagreement(d, semantics, r.version));
          }
        }),
        { numRuns: RUNS, seed: SEED, includeErrorInReport: true },
      );
      const agree = kinds.get('agree') ?? 0;
      const seconds = (performance.now() - t0) / 1000;
      const known = expected.map((k) => `${k} ${kinds.get(k) ?? 0}`).join(', ') || 'none';
      const line =
        `differential: ${semantics} vs real ${version}: ${RUNS} sequences, ${steps} steps, ` +
        `agreement ${agree}/${RUNS} (${((100 * agree) / RUNS).toFixed(2)}%), known differences: ${known}; ` +
        `${seconds.toFixed(1)} s, seed ${SEED}`;
      t.diagnostic(line);
      t.diagnostic(
        `sequences reaching: ${FEATURES.map((f) => `${f} ${reached.get(f) ?? 0}`).join(', ')}`,
      );
      if (RUNS >= 1000) {
        for (const f of FEATURES) assert.ok((reached.get(f) ?? 0) > 0, `no sequence reached ${f}`);
      }
      if (RUNS >= 1000)
        for (const k of expected)
          assert.ok((kinds.get(k) ?? 0) > 0, `${k} not found in ${RUNS} runs`);
      if (expected.length === 0) assert.equal(agree, RUNS);
    });
  }

  it('finds the stable fix in 6.12.118 that the v6.17 reading (kernel) lacks; 6.1 has the flaw', {
    skip: skipWithout('6.12') || skipWithout('6.1'),
  }, async () => {
    const on612 = await runDifferential('kernel', '6.12', FIX_WITNESS);
    assert.equal(on612.disagreement?.kind, 'nonblock-list-failure-ends-itree');
    assert.deepEqual([on612.disagreement.ts.active, on612.disagreement.real.active], [1, 0]);
    const on61 = await runDifferential('kernel', '6.1', FIX_WITNESS);
    assert.equal(on61.disagreement, null);
    assert.equal(on61.steps, 4);
  });

  it('finds 6.1 calling invalidate_range (our archInvalidateSecondaryTlbs) at every end', {
    skip: skipWithout('6.1') || skipWithout('6.12'),
  }, async () => {
    const cmds: Cmd[] = [
      {
        op: 'register',
        spec: {
          start: 'none',
          end: false,
          release: false,
          young: [undefined, undefined, undefined],
          tlbs: true,
        },
      },
      { op: 'start', page: 1, pages: 2, blockable: true, event: 'clear' },
      { op: 'end' },
    ];
    const on61 = await runDifferential('kernel', '6.1', cmds);
    assert.equal(on61.disagreement?.kind, 'secondary-tlbs-at-end');
    assert.deepEqual(on61.disagreement.real.calls, ['tlbs n1 4096-12288']);
    assert.equal((await runDifferential('kernel', '6.12', cmds)).disagreement, null);
  });

  it('can disagree: current (exact pairing) is not the real 6.1', {
    skip: skipWithout('6.1'),
  }, async () => {
    // A blockable start that fails, on a notifier with an end: the kernel unwinds (ends it)
    // and the caller's end ends it again; `current` gives it no end at all.
    const cmds: Cmd[] = [
      {
        op: 'register',
        spec: {
          start: 'fail-always',
          end: true,
          release: false,
          young: [undefined, undefined, undefined],
          tlbs: false,
        },
      },
      { op: 'start', page: 0, pages: 1, blockable: true, event: 'unmap' },
      { op: 'end' },
    ];
    const r = await runDifferential('current', '6.1', cmds);
    assert.ok(r.disagreement !== null);
    assert.equal(r.disagreement.kind, 'unknown');
    assert.equal((await runDifferential('kernel', '6.1', cmds)).disagreement, null);
  });
});
