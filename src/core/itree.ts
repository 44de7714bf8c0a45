/**
 * The interval half of `struct mmu_notifier_subscriptions`: the tree, `invalidate_seq`,
 * `active_invalidate_ranges`, the deferred list and the wait queue (`mm/mmu_notifier.c`).
 *
 * Protocol (the comment above the kernel's `mn_itree_is_invalidating`)
 * --------
 * A collision-retry lock like a seqcount that allows many writers at once.
 *
 * | state                | `active` | `seq`  | the tree                                    |
 * |----------------------|----------|--------|---------------------------------------------|
 * | *idle*               | 0        | even   | may change                                  |
 * | *partially excluded* | > 0      | even   | may change (no running range overlaps one)  |
 * | *fully excluded*     | > 0      | odd    | must not change: inserts/removes deferred   |
 *
 * | op (all under the lock)     | kernel                         | effect on `seq`             |
 * |-----------------------------|--------------------------------|-----------------------------|
 * | {@link IntervalState.invStartRange} | `mn_itree_inv_start_range` | `active++`; overlap: `seq \|= 1` |
 * | {@link IntervalState.invEnd}        | `mn_itree_inv_end`         | last one and odd: `seq++`, apply deferred, wake |
 * | {@link IntervalState.insert}        | `__mmu_interval_notifier_insert` | partially excluded: `seq \|= 1` |
 * | {@link IntervalState.remove}        | `mmu_interval_notifier_remove`   | none; may sleep until `seq` moves |
 * | {@link IntervalState.readBegin}     | `mmu_interval_read_begin`        | none; may sleep until `seq` moves |
 *
 * Required outcome (the kernel's two-column diagram): a reader that took `seq` with
 * `readBegin` before an overlapping `invalidate` ran `setSeq(curSeq)` sees
 * `readRetry(seq) === true` under the user lock. Every interval's own seq is odd, and the
 * address space's seq is even when idle, so a sleeper in `readBegin` always wakes.
 */

import { assertInternal } from '../errors.ts';
import { WaitQueue } from '../sync/wait-queue.ts';
import type { CoreNoteKind, CoreState } from './core-state.ts';
import type { IntervalSubscription } from './interval-notifier.ts';
import type { IntervalNode, RbRoot } from './interval-rbtree.ts';
import { type SplitQuery, searchFirst } from './interval-search.ts';
import { IntervalTree, treeRoot } from './interval-tree.ts';
import { mightInvalidate, registerAlloc } from './lockdep-maps.ts';
import type { MmuNotifierRange } from './range.ts';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** The interval state of one address space. Internal to `src/core`. */
export class IntervalState {
  /** `has_itree`: set by the first insert, never cleared. */
  hasItree = false;
  /** `invalidate_seq`: starts at 2 (even = idle). */
  seq = 2;
  /** `active_invalidate_ranges`. */
  active = 0;
  /** The tree of intervals (`itree`). */
  readonly tree = new IntervalTree<IntervalSubscription<unknown>>();
  /** The tree's root, for the invalidation walk on split coordinates (`interval-search.ts`). */
  readonly #root: RbRoot<IntervalSubscription<unknown>> = treeRoot(this.tree);
  /** `deferred_list`: inserts (node null) and removes (node set) waiting for the last end. */
  readonly deferred: IntervalSubscription<unknown>[] = [];
  /** `wq`: `readBegin` and `remove` sleep here; woken by the last end. */
  readonly wq: WaitQueue;
  readonly #core: CoreState;

  constructor(core: CoreState) {
    this.#core = core;
    this.wq = new WaitQueue({ scheduler: core.sched, name: `${core.name}.wq` });
  }

  /** `mn_itree_is_invalidating`: fully excluded. Call under the lock. */
  isInvalidating(): boolean {
    return (this.seq & 1) === 1;
  }

  /**
   * `mn_itree_inv_start_range`: `active++`, and if any interval overlaps `seq |= 1`.
   * Returns the first overlapping node; the caller reads `seq` as `cur_seq`.
   * Pairs with {@link IntervalState.invEnd}.
   */
  invStartRange(
    range: MmuNotifierRange,
    query: SplitQuery,
  ): IntervalNode<IntervalSubscription<unknown>> | undefined {
    const core = this.#core;
    core.lock('mn_itree_inv_start_range');
    this.active++;
    if (this.tree.size === 0) return undefined;
    // The range was validated by the entry point: split it once for the whole walk.
    query.set(range.start, range.end - 1);
    const node = searchFirst(this.#root, query.sh, query.sl, query.eh, query.el);
    if (node !== undefined && (this.seq & 1) === 0) {
      this.seq++; // seq |= 1 (no bitwise op: seq may pass 2^31)
      if (core.noting) core.note('seq', core.name, String(this.seq));
    }
    return node;
  }

  /**
   * `mn_itree_inv_end`: `active--` (`mayUnderflow`: the `kernel` path, which cannot tell a
   * paired end from an unpaired one); the last one with an odd seq makes it even, applies the
   * deferred inserts and removes (newest first, as `hlist_for_each_entry_safe` after
   * `hlist_add_head`) and wakes every sleeper. Pairs with {@link IntervalState.invStartRange}.
   */
  invEnd(mayUnderflow: boolean): void {
    const core = this.#core;
    core.lock('mn_itree_inv_end');
    // `kernel` may end a count its start never took: `--active` then wraps (here: -1, which
    // behaves as ULONG_MAX does under ++, -- and `!= 0`). Ours never does.
    assertInternal(mayUnderflow || this.active > 0, 'mn_itree_inv_end without an active range');
    if (--this.active !== 0 || (this.seq & 1) === 0) return;
    this.seq++;
    if (core.noting) core.note('seq', core.name, String(this.seq));
    const deferred = this.deferred;
    if (deferred.length !== 0) {
      for (let i = deferred.length - 1; i >= 0; i--) {
        const sub = deferred[i]!;
        if (sub.node === null) sub.node = this.tree.insert(sub.start, sub.last, sub);
        else {
          this.tree.remove(sub.node);
          sub.node = null;
        }
      }
      deferred.length = 0; // a runtime call in V8: only when there was something
    }
    // Untraced, a queue with no sleeper has nobody to wake (a sleeper registers synchronously
    // after its condition check); traced, the wake is an access the checker must see.
    if (core.traced || this.wq.sleepers !== 0) this.wq.wakeUpAll();
  }

  /** `__mmu_interval_notifier_insert` after the checks. Pairs with {@link IntervalState.remove}. */
  insert(sub: IntervalSubscription<unknown>): void {
    const core = this.#core;
    if (!this.hasItree) {
      // `mmu_interval_notifier_insert` -> `mmu_notifier_register(NULL, mm)` first.
      registerAlloc(core);
      core.strategy.onFirstInterval(core);
      this.hasItree = true;
    }
    core.lock('mmu_interval_notifier_insert');
    if (this.active !== 0) {
      if (this.isInvalidating()) this.deferred.push(sub);
      else {
        this.seq++; // even here: seq |= 1
        if (core.noting) core.note('seq', core.name, String(this.seq));
        sub.node = this.tree.insert(sub.start, sub.last, sub);
      }
      sub.writeSeq(this.seq);
      if (core.noting) this.#noteInsert(sub);
    } else {
      if (this.isInvalidating()) {
        // `WARN_ON(mn_itree_is_invalidating(subscriptions))`: only after a `kernel` underflow.
        assertInternal(core.strategy.semantics !== 'current', 'idle address space with an odd seq');
        const what = 'WARN_ON in __mmu_interval_notifier_insert: no range active, seq odd';
        core.report('active-underflow', what, sub.name);
      }
      sub.writeSeq(this.seq - 1);
      sub.node = this.tree.insert(sub.start, sub.last, sub);
      if (core.noting) this.#noteInsert(sub);
    }
  }

  #noteInsert(sub: IntervalSubscription<unknown>): void {
    const where = `[${hex(sub.start)}, ${hex(sub.last + 1)}) seq ${sub.seq}`;
    this.#core.note('interval.insert', sub.name, sub.node === null ? `${where} deferred` : where);
  }

  /**
   * A trace note about one interval (its reader-side calls: `readRetry`, `setSeq`...), only
   * when the scheduler is controlled. Not a scheduling point, no effect on reduction.
   */
  note(kind: CoreNoteKind, sub: IntervalSubscription<unknown>, detail: string): void {
    if (this.#core.noting) this.#core.note(kind, sub.name, detail);
  }

  /** True when trace notes are kept ({@link CoreState.noting}): callers build a note's detail only then. */
  get noting(): boolean {
    return this.#core.noting;
  }

  /**
   * `mmu_interval_notifier_remove`: unlinks at once unless fully excluded; then a deferred
   * insert is dropped, and a linked interval is queued and the caller sleeps until the seq
   * read under the lock has moved (the v5.18 fix 319561669a59). Pairs with insert.
   */
  async remove(sub: IntervalSubscription<unknown>): Promise<void> {
    const core = this.#core;
    core.lock('mmu_interval_notifier_remove');
    let seq = 0;
    if (this.isInvalidating()) {
      if (sub.node === null) {
        const i = this.deferred.indexOf(sub);
        assertInternal(i >= 0, 'an interval neither in the tree nor deferred');
        this.deferred.splice(i, 1);
      } else {
        this.deferred.push(sub);
        seq = this.seq;
      }
    } else {
      assertInternal(sub.node !== null, 'removing an interval that is not in the tree');
      this.tree.remove(sub.node);
      sub.node = null;
    }
    if (core.noting) {
      const how = seq !== 0 ? 'deferred, waits for the invalidation to end' : 'unlinked';
      core.note('interval.remove', sub.name, `${how}`);
    }
    // "The possible sleep on progress in the invalidation requires the caller not hold any
    // locks held by invalidation callbacks" (the kernel's comment): tell the validator.
    mightInvalidate(core.sched);
    if (seq !== 0) await this.wq.wait(() => this.#seqReleased(seq));
  }

  /** `mmu_interval_seq_released`: the seq moved past `seq` (read under the lock). */
  #seqReleased(seq: number): boolean {
    this.#core.lockRead('mmu_interval_seq_released');
    return this.seq !== seq;
  }

  /** The address space's seq is no longer `seq`: a recorded read (a wait condition). */
  #seqMoved(seq: number): boolean {
    this.#core.read();
    return this.seq !== seq;
  }

  /**
   * `mmu_interval_read_begin`: reads the interval's seq under the lock; if it equals the
   * address space's odd seq, the interval is being invalidated: sleep until the seq moves.
   * Returns the seq without looping (`readRetry` may already be true).
   */
  async readBegin(sub: IntervalSubscription<unknown>): Promise<number> {
    const core = this.#core;
    core.lockRead('mmu_interval_read_begin');
    const seq = sub.readSeq();
    const isInvalidating = seq === this.seq;
    mightInvalidate(this.#core.sched); // may wait for an invalidation to end: as the kernel
    if (isInvalidating) await this.wq.wait(() => this.#seqMoved(seq));
    if (core.noting) {
      core.note('interval.read_begin', sub.name, `seq ${seq}${isInvalidating ? ' (waited)' : ''}`);
    }
    return seq;
  }
}
