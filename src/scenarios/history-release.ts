/**
 * d34883d4e35c "mm: mmu_notifier: re-fix freed page still mapped in secondary MMU" (2013),
 * the last of three commits on `mmu_notifier_unregister()` racing exit's
 * `__mmu_notifier_release()`:
 *
 * - before 3ad3d901bbcf (2012): both unlink the notifier, then call `->release`; a
 *   racing invalidation finds no notifier and frees a page the secondary MMU still maps.
 * - 3ad3d901bbcf: `->release` first (an RCU walk), then unlink; unregister checks
 *   `hlist_unhashed` unlocked and unlinks with `hlist_del_rcu`, so after exit unlinked it
 *   the node is unlinked twice (NULL `pprev`).
 * - 751efd8610d3 (2013): the check and the unlink under the lock, the unlink before
 *   `->release` again in both: the first race is back.
 * - d34883d4e35c (today's code): `->release` under SRCU first, then
 *   `hlist_del_init_rcu` (safe on an unhashed node) in both; a grace period before exit
 *   frees pages, and before unregister returns.
 *
 * Goal: the secondary MMU never maps a page the primary has freed (`->release` runs before a
 * notifier leaves the list, and exit waits for a release a racing unregister started), and
 * once unregister returns no callback of the notifier runs. The race 3ad3d901bbcf describes:
 *
 *   CPU0 __mmu_notifier_release()     CPU1 try_to_unmap() (reclaim)
 *   unlink the notifier
 *                                     invalidate_range_start: no notifier listed
 *                                     clear the pte, free the page
 *   ->release(): zap the sptes        [required: never; the spte maps a freed page]
 *
 * Method: the core's `AddressSpace` has today's code, so this file models both versions of
 * `mm/mmu_notifier.c` itself: the buggy variant is the code d34883d4e35c patched (as
 * 751efd8610d3 left it, rebuilt from the two commit messages), the fixed one today's
 * (`mn_hlist_release`, `mmu_notifier_unregister`), on the global SRCU and
 * `mmu_notifier_mm->lock`. One KVM-like
 * notifier whose sptes map the two pages of the mm; three tasks: exit (`exit_mmap`: release,
 * then unmap and free every page), the driver's unregister (then it frees the notifier) and
 * reclaim unmapping and freeing page 0. A page's ptes and its freed state are one cell, so
 * the steps that map, zap and free one page are dependent (as on `struct page`).
 */

import type { World } from '../check/world.ts';
import { StateError } from '../errors.ts';
import type { Shared } from '../sync/shared.ts';
import type { SpinLock } from '../sync/spinlock.ts';
import type { Srcu } from '../sync/srcu.ts';
import type { ScenarioEntry } from './entry.ts';
import { historyPair } from './pair.ts';

/** One page of the mm: the primary's pte, the secondary MMU's spte, and whether it was freed. */
interface PageState {
  readonly pte: boolean;
  readonly spte: boolean;
  readonly freed: boolean;
}

/** One `struct mmu_notifier` of a KVM-like driver whose sptes map the mm's pages. */
interface Notifier {
  readonly name: string;
  /** The hlist node: linked into `mm->mmu_notifier_mm->list` (`!hlist_unhashed`). */
  readonly linked: Shared<boolean>;
  /** The driver's notifier memory: `'freed'` once unregister returned and the driver freed it. */
  readonly mem: Shared<'live' | 'freed'>;
  /** Callbacks of it running now. */
  running: number;
}

/** The mm as the race needs it: `mmu_notifier_mm`, the global SRCU and the pages. */
interface Mm {
  /** `mm->mmu_notifier_mm->lock`. */
  readonly lock: SpinLock;
  /** The global `srcu` of `mm/mmu_notifier.c`. */
  readonly srcu: Srcu;
  /** Every notifier registered, newest first (`hlist_add_head_rcu`); `linked`: still listed. */
  readonly notifiers: readonly Notifier[];
  readonly pages: readonly Shared<PageState>[];
}

/** A dereference of the notifier by a callback (a point); a freed one is a use-after-free. */
async function touch(n: Notifier, by: string): Promise<void> {
  if ((await n.mem.load()) === 'freed') {
    throw new StateError(`use-after-free: ${by} of ${n.name} runs after unregister returned`);
  }
}

/** The secondary MMU drops its spte of `page` (a zap; it touches the page's `struct page`). */
async function zap(n: Notifier, page: Shared<PageState>, by: string): Promise<void> {
  await touch(n, by);
  page.set({ ...page.value, spte: false });
}

/** `->release()`: flush every spte (`kvm_mmu_notifier_release` → flush the shadow MMU). */
async function release(mm: Mm, n: Notifier): Promise<void> {
  n.running++;
  for (const page of mm.pages) await zap(n, page, 'release()');
  n.running--;
}

/** `->invalidate_range_start()` over `pages`: zap their sptes. */
async function invalidateStart(n: Notifier, pages: readonly Shared<PageState>[]): Promise<void> {
  n.running++;
  for (const page of pages) await zap(n, page, 'invalidate_range_start()');
  n.running--;
}

/** `hlist_del_init_rcu()`: unlinks a listed node; a no-op on an unhashed one. Lock held. */
function hlistDelInitRcu(n: Notifier): void {
  if (n.linked.value) n.linked.set(false);
}

/** `hlist_del_rcu()`: the node must be listed (an unhashed one has a NULL `pprev`). Lock held. */
function hlistDelRcu(n: Notifier): void {
  if (!n.linked.value) throw new StateError(`hlist_del_rcu() of unhashed ${n.name}: double unlink`);
  n.linked.set(false);
}

/** `__mmu_notifier_release()` as d34883d4e35c made it (today's `mn_hlist_release`). */
async function releaseFixed(mm: Mm): Promise<void> {
  const id = mm.srcu.readLock();
  for (const n of mm.notifiers) if (await n.linked.load()) await release(mm, n);
  mm.lock.withLock(() => {
    for (const n of mm.notifiers) hlistDelInitRcu(n);
  });
  mm.srcu.readUnlock(id);
  await mm.srcu.synchronize(); // a release a racing unregister started has returned
}

/** `__mmu_notifier_release()` as 751efd8610d3 left it: unlink under the lock, then release. */
async function releaseBuggy(mm: Mm): Promise<void> {
  const id = mm.srcu.readLock();
  mm.lock.lock();
  for (let n = mm.notifiers.find((x) => x.linked.value); n !== undefined; ) {
    hlistDelInitRcu(n); // "Unlink. This will prevent mmu_notifier_unregister() from also
    mm.lock.unlock(); //    making the ->release() callout."
    await release(mm, n);
    mm.lock.lock();
    n = mm.notifiers.find((x) => x.linked.value);
  }
  mm.lock.unlock();
  mm.srcu.readUnlock(id);
  await mm.srcu.synchronize();
}

/** `mmu_notifier_unregister()` today (d34883d4e35c): release under SRCU, then unlink. */
async function unregisterFixed(mm: Mm, n: Notifier): Promise<void> {
  if (await n.linked.load()) {
    const id = mm.srcu.readLock();
    await release(mm, n);
    mm.srcu.readUnlock(id);
    // Not hlist_del_rcu(): __mmu_notifier_release() may have unlinked it meanwhile.
    mm.lock.withLock(() => hlistDelInitRcu(n));
  }
  await mm.srcu.synchronize(); // any running method, release included, has returned
}

/** `mmu_notifier_unregister()` as 751efd8610d3 left it: unlink under the lock, then release. */
async function unregisterBuggy(mm: Mm, n: Notifier): Promise<void> {
  mm.lock.lock();
  if (n.linked.value) {
    const id = mm.srcu.readLock();
    hlistDelRcu(n);
    mm.lock.unlock();
    await release(mm, n);
    mm.srcu.readUnlock(id);
  } else {
    mm.lock.unlock();
  }
  await mm.srcu.synchronize();
}

/** `mmu_notifier_invalidate_range_start()` (list part): an SRCU walk of the listed notifiers. */
async function invalidateRangeStart(mm: Mm, pages: readonly Shared<PageState>[]): Promise<void> {
  const id = mm.srcu.readLock();
  for (const n of mm.notifiers) if (await n.linked.load()) await invalidateStart(n, pages);
  mm.srcu.readUnlock(id);
}

/** Clears the pte of `page` under its page table lock and frees the page (if it was mapped). */
async function unmapAndFree(page: Shared<PageState>): Promise<void> {
  const s = await page.load();
  if (s.pte) page.set({ pte: false, spte: s.spte, freed: true });
}

function setup(world: World, buggy: boolean): void {
  const mapped: PageState = { pte: true, spte: true, freed: false };
  const kvm: Notifier = {
    name: 'kvm',
    linked: world.shared(true, 'kvm.hlist'),
    mem: world.shared<'live' | 'freed'>('live', 'kvm.mmu_notifier'),
    running: 0,
  };
  const mm: Mm = {
    lock: world.spinLock('mmu_notifier_mm.lock'),
    srcu: world.srcu('srcu'),
    notifiers: [kvm],
    pages: [world.shared(mapped, 'page0'), world.shared(mapped, 'page1')],
  };
  world.invariant('the secondary MMU maps no freed page', () =>
    mm.pages.every((p) => !(p.value.freed && p.value.spte)),
  );
  world.invariant('no callback runs after unregister returned', () => {
    return kvm.mem.value === 'live' || kvm.running === 0;
  });
  world.spawn('exit', async () => {
    await (buggy ? releaseBuggy(mm) : releaseFixed(mm)); // exit_mmap: mmu_notifier_release
    for (const page of mm.pages) await unmapAndFree(page); // unmap_vmas, free the pages
  });
  world.spawn('unregister', async () => {
    await (buggy ? unregisterBuggy(mm, kvm) : unregisterFixed(mm, kvm));
    kvm.mem.set('freed'); // the driver frees its notifier
  });
  world.spawn('reclaim', async () => {
    const page0 = mm.pages[0]!;
    await invalidateRangeStart(mm, [page0]); // try_to_unmap_one
    await unmapAndFree(page0);
  });
  world.finally(() => {
    if (kvm.linked.value) throw new StateError('kvm is still listed after exit and unregister');
  });
}

const d34883d4e35c = historyPair({
  name: 'd34883d4e35c',
  description:
    'exit_mmap races the driver unregistering its notifier and reclaim freeing a page. As 751efd8610d3 left it ' +
    '(the 3ad3d901bbcf bug again), release unlinks the notifier before ->release, so reclaim finds no notifier ' +
    'and frees a page the secondary MMU still maps; d34883d4e35c calls ->release first, unlinks with ' +
    'hlist_del_init_rcu and waits a grace period before exit frees pages.',
  setup,
});

/** The release/unregister history pair (the notifier core's own code, modelled in the file). */
export const releaseHistory: readonly ScenarioEntry[] = d34883d4e35c;
