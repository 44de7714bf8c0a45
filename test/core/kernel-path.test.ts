/**
 * Goal: `linux-6.12` (and its alias `kernel`) and `linux-6.1` follow Debian's 6.12.118 and
 * 6.1.192 `mm/mmu_notifier.c` path for path where its rules are broken, `legacy-2019` keeps
 * v5.2's list part over the v5.5-v5.11 interval part, and `current` differs only by its
 * pairing guarantees. One test per row of docs/semantics.md
 * that the semantics test does not already cover; each runs the same calls under every
 * semantics and states each outcome.
 * Method: recording notifiers and intervals; the log, the seq, the active count and the
 * diagnostics are the oracle.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MmuIntervalNotifier } from '../../src/core/ops.ts';
import { EAGAIN, SEMANTICS, type Semantics } from '../../src/core/range.ts';
import { range, recorder, space } from './helpers.ts';

const ALL: readonly Semantics[] = SEMANTICS;
/** The semantics without the 2026 fix: the interval part leaks on a list failure. */
const LEAKS: readonly Semantics[] = ['linux-6.1', 'legacy-2019'];

/** Resolves true if `p` settled within a few macrotask turns. */
async function settles(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
}

describe('kernel path: __mmu_notifier_invalidate_range_start', () => {
  it('a non-blockable list failure after the interval part: linux-6.1 leaks, linux-6.12 ends it (the 2026 fix)', async () => {
    for (const semantics of ALL) {
      const { mm, diagnostics } = space({ semantics });
      const log: string[] = [];
      const iv = mm.insertInterval(0, 100, {
        invalidate: (sub, _r, seq) => {
          sub.setSeq(seq);
          return true;
        },
      });
      const f = recorder(mm, 'F', log, { end: false });
      f.script = EAGAIN;
      assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), EAGAIN);
      const leaks = LEAKS.includes(semantics);
      assert.equal(mm.activeInvalidateRanges, leaks ? 1 : 0, semantics);
      assert.equal(mm.invalidateSeq % 2, leaks ? 1 : 0, semantics);
      // readBegin on the invalidated interval: waits for a seq change that never comes.
      assert.equal(await settles(iv.readBegin()), !leaks, semantics);
      assert.deepEqual(diagnostics, [], semantics);
    }
  });

  it("a blockable list failure: the fix does not apply, the caller's end ends the interval part", async () => {
    for (const semantics of ['linux-6.1', 'linux-6.12'] as const) {
      const { mm } = space({ semantics });
      mm.insertInterval(0, 100, { invalidate: () => true });
      const f = recorder(mm, 'F', [], { end: false });
      f.script = EAGAIN;
      const r = range(0, 10, true);
      await mm.invalidateRangeStart(r); // void, as mmu_notifier_invalidate_range_start
      assert.equal(mm.activeInvalidateRanges, 1, semantics);
      await mm.invalidateRangeEnd(r);
      assert.equal(mm.activeInvalidateRanges, 0, semantics);
    }
  });

  it('a non-EAGAIN failure is passed through as ret, under every semantics', () => {
    for (const semantics of ALL) {
      const { mm } = space({ semantics });
      const f = recorder(mm, 'F', [], { end: false });
      f.script = -12;
      assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), -12, semantics);
      f.script = 1;
      assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), 1, semantics);
    }
  });

  it('two failures: ret is the last one in walk order (ret = _ret)', () => {
    const { mm } = space({ semantics: 'kernel' });
    const first = recorder(mm, 'first', [], { end: false });
    const newest = recorder(mm, 'newest', [], { end: false });
    first.script = -12;
    newest.script = EAGAIN; // runs first: the newest is at the head
    assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), -12);
  });
});

describe('kernel path: __mmu_notifier_invalidate_range_end', () => {
  it('an end with no start: kernel runs mn_itree_inv_end and every end; current nothing', () => {
    for (const semantics of ALL) {
      const { mm, diagnostics } = space({ semantics });
      const log: string[] = [];
      recorder(mm, 'A', log);
      mm.insertInterval(0, 10, { invalidate: () => true });
      const open = range(0, 10, false);
      assert.equal(mm.invalidateRangeStartNonblock(open), 0);
      log.length = 0;
      mm.invalidateRangeEnd(range(0, 10, false)); // a different object: no start
      const kernelish = semantics !== 'current';
      assert.deepEqual(log, kernelish ? ['end:A'] : [], semantics);
      // The stray end took the open range's count: seq even while `open` is still running.
      assert.equal(mm.activeInvalidateRanges, kernelish ? 0 : 1, semantics);
      assert.equal(mm.invalidateSeq % 2, kernelish ? 0 : 1, semantics);
      mm.invalidateRangeEnd(open);
      assert.equal(mm.activeInvalidateRanges, kernelish ? -1 : 0, semantics);
      const kinds = diagnostics.map((d) => d.kind);
      assert.deepEqual(
        kinds,
        kernelish ? ['end-without-start', 'active-underflow'] : ['end-without-start'],
      );
    }
  });

  it('a second end while the first runs: kernel runs the end path again', async () => {
    for (const semantics of ALL) {
      const { mm, diagnostics } = space({ semantics });
      const log: string[] = [];
      const pending: (() => void)[] = [];
      mm.register(
        {
          invalidateRangeStart: () => 0,
          invalidateRangeEnd: () => {
            log.push('end');
            return new Promise<void>((r) => void pending.push(r));
          },
        },
        { name: 'slow' },
      );
      const r = range(0, 10, true);
      await mm.invalidateRangeStart(r);
      const first = mm.invalidateRangeEnd(r);
      const second = mm.invalidateRangeEnd(r);
      for (const resolve of pending) resolve();
      await Promise.all([first, second]);
      assert.deepEqual(log, semantics === 'current' ? ['end'] : ['end', 'end'], semantics);
      assert.deepEqual(
        diagnostics.map((d) => d.kind),
        ['double-end'],
      );
    }
  });
});

describe('kernel path: subscriptions while an invalidation is in flight', () => {
  it('the first interval inserted mid-range: has_itree is read at end (underflow) vs ours', async () => {
    for (const semantics of ALL) {
      const { mm, diagnostics } = space({ semantics });
      const open = range(0, 10, false);
      assert.equal(mm.invalidateRangeStartNonblock(open), 0);
      const iv: MmuIntervalNotifier<undefined> = mm.insertInterval(0, 10, {
        invalidate: () => true,
      });
      const ours = semantics === 'current';
      // Ours: the open range is counted, so the new interval waits for its end.
      assert.equal(mm.activeInvalidateRanges, ours ? 1 : 0, semantics);
      const reader = iv.readBegin();
      assert.equal(await settles(reader), !ours, semantics);
      mm.invalidateRangeEnd(open);
      assert.equal(await settles(reader), true, semantics);
      assert.equal(mm.activeInvalidateRanges, ours ? 0 : -1, semantics);
      assert.deepEqual(
        diagnostics.map((d) => d.kind),
        ours ? [] : ['subscribe-in-flight', 'active-underflow'],
        semantics,
      );
    }
  });

  it('after the underflow, kernel keeps the seq odd forever (remove would hang)', async () => {
    const { mm } = space({ semantics: 'kernel' });
    const open = range(0, 10, false);
    mm.invalidateRangeStartNonblock(open);
    const iv = mm.insertInterval(0, 10, { invalidate: () => true });
    mm.invalidateRangeEnd(open); // active -1
    const r = range(0, 10, false);
    assert.equal(mm.invalidateRangeStartNonblock(r), 0); // active 0, seq odd
    mm.invalidateRangeEnd(r); // active -1 again: the seq stays odd
    assert.equal(mm.invalidateSeq % 2, 1);
    assert.equal(await settles(iv.remove()), false);
  });

  it('a notifier registered mid-range: kernel reports subscribe-in-flight', () => {
    for (const semantics of ALL) {
      const { mm, diagnostics } = space({ semantics });
      const r = range(0, 10, false);
      mm.invalidateRangeStartNonblock(r);
      recorder(mm, 'late', []);
      mm.invalidateRangeEnd(r);
      assert.deepEqual(
        diagnostics.map((d) => d.kind),
        semantics === 'current' ? [] : ['subscribe-in-flight'],
        semantics,
      );
    }
  });
});

describe('kernel path: legacy-2019', () => {
  it('a blockable failure: the wrapper drops ret, the caller ends every notifier', async () => {
    const { mm, diagnostics } = space({ semantics: 'legacy-2019' });
    const log: string[] = [];
    const f = recorder(mm, 'F', log, { end: false });
    recorder(mm, 'A', log);
    f.script = EAGAIN;
    const r = range(0, 10, true);
    await mm.invalidateRangeStart(r);
    await mm.invalidateRangeEnd(r);
    assert.deepEqual(log, ['start:A', 'start:F', 'end:A']);
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['fail-in-blockable'],
    );
  });

  it('interval notifiers follow v5.5-v5.11: a false unwinds the interval part, no list call', () => {
    const { mm } = space({ semantics: 'legacy-2019' });
    const log: string[] = [];
    recorder(mm, 'A', log);
    mm.insertInterval(0, 10, { invalidate: () => false });
    assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), EAGAIN);
    assert.deepEqual(log, []);
    assert.equal(mm.activeInvalidateRanges, 0);
    assert.equal(mm.invalidateSeq % 2, 0);
  });
});

describe('kernel path: what 6.1.192 has that 6.12.118 does not', () => {
  const tlbOps = (log: string[], name: string) => ({
    invalidateRangeStart: () => 0,
    invalidateRangeEnd: () => void log.push(`end:${name}`),
    archInvalidateSecondaryTlbs: (_s: unknown, _mm: unknown, start: number, end: number) =>
      void log.push(`tlb:${name}:${start}-${end}`),
  });

  it('__mmu_notifier_register: secondary TLB with start/end is refused from v6.6 (6.12.118), accepted by 6.1.192', () => {
    for (const semantics of ALL) {
      const { mm } = space({ semantics });
      const accepts = LEAKS.includes(semantics);
      if (accepts) mm.register(tlbOps([], 'T'));
      else assert.throws(() => mm.register(tlbOps([], 'T')), /cannot be combined/, semantics);
    }
  });

  it('mn_hlist_invalidate_end of 6.1.192 calls invalidate_range before each end; its unwind does not', () => {
    const { mm } = space({ semantics: 'linux-6.1' });
    const log: string[] = [];
    mm.register(tlbOps(log, 'T'));
    mm.register({ archInvalidateSecondaryTlbs: () => void log.push('tlb:only') });
    const r = range(0, 10, true);
    void mm.invalidateRangeStart(r);
    void mm.invalidateRangeEnd(r);
    assert.deepEqual(log, ['tlb:only', 'tlb:T:0-10', 'end:T']);
    log.length = 0;
    const f = recorder(mm, 'F', log, { end: false });
    f.script = EAGAIN;
    assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), EAGAIN);
    assert.deepEqual(log, ['start:F', 'end:T']);
  });

  it('6.12.118 calls the secondary-TLB callback only from archInvalidateSecondaryTlbs', () => {
    const { mm } = space({ semantics: 'linux-6.12' });
    const log: string[] = [];
    mm.register({ archInvalidateSecondaryTlbs: () => void log.push('tlb') });
    const r = range(0, 10, true);
    void mm.invalidateRangeStart(r);
    void mm.invalidateRangeEnd(r);
    assert.deepEqual(log, []);
    mm.archInvalidateSecondaryTlbs(0, 10);
    assert.deepEqual(log, ['tlb']);
  });

  it('kernel is linux-6.12 under another name', () => {
    const { mm } = space({ semantics: 'kernel' });
    assert.equal(mm.semantics, 'kernel');
    assert.throws(() => mm.register(tlbOps([], 'T')), /cannot be combined/);
  });
});

describe('kernel path: mmu_notifier_get_locked with refused ops', () => {
  it('6.12.118 allocates, refuses in __mmu_notifier_register, frees; current refuses first; 6.1.192 accepts', () => {
    for (const semantics of ALL) {
      const { mm } = space({ semantics });
      const log: string[] = [];
      const ops = {
        invalidateRangeEnd: () => {},
        archInvalidateSecondaryTlbs: () => {},
        allocNotifier: () => {
          log.push('alloc');
          return 7;
        },
        freeNotifier: (sub: { readonly data: number }) => void log.push(`free:${sub.data}`),
      };
      if (LEAKS.includes(semantics)) {
        assert.equal(mm.get(ops).data, 7, semantics);
        assert.deepEqual(log, ['alloc'], semantics);
        continue;
      }
      assert.throws(() => mm.get(ops), /cannot be combined/, semantics);
      assert.deepEqual(log, semantics === 'current' ? [] : ['alloc', 'free:7'], semantics);
      assert.equal(mm.notifierCount, 0, semantics);
    }
  });
});
