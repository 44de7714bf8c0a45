/**
 * The real `mm/mmu_notifier.c` of one Debian kernel version as an address space: a driver
 * over one instance of the module `npm run kernel` built (see `module.ts`, `shim/driver.c`).
 * Its entry points are `AddressSpace`'s where the kernel has them, synchronous: the kernel's
 * code runs to completion in one call, calling the TypeScript callbacks from C.
 *
 * Protocol
 * --------
 * | state    | reached by                              | what is allowed                    |
 * |----------|-----------------------------------------|------------------------------------|
 * | *live*     | construction                          | everything                           |
 * | *released* | `release()` (exit_mmap: `mm_users` 0) | no new start or second release (ReleasedError); the rest runs the kernel's code as is (a register BUG_ONs) |
 * | *dead*     | a BUG_ON, a callback that threw, a would-sleep inside a nested call (see `instance.ts`) | nothing: StateError |
 *
 * One thread: a wait whose condition is false (`wait_event` in `mmu_interval_read_begin` and
 * `mmu_interval_notifier_remove`, `synchronize_srcu` inside a read section, and
 * `mm_take_all_locks` while this thread has an invalidation open, unless the option
 * `takeAllLocks: 'proceeds'` makes it return as if that invalidation were another thread's
 * that broke the locking rule) can never be woken. The
 * call stops at the wait and throws {@link KernelWouldSleepError}; the module stays *live*,
 * in the state the sleeping thread left it (a remove's interval stays queued on the deferred
 * list, applied by the last end; its mm reference is not dropped). WARN_ON / WARN_ON_ONCE
 * are reported through `onDiagnostic` with the kernel's file and line, and the code goes on;
 * BUG_ON is reported, then {@link KernelBugError}.
 *
 * wasm32: `unsigned long` is 32 bits, so addresses and seqs are below 2^32 and the release
 * walk's range is `[0, 0xffffffff)` (`ULONG_MAX`).
 *
 * ```ts
 * const mm = new RealKernelCore('6.1', { onDiagnostic: (d) => console.log(d) });
 * mm.register({ invalidateRangeStart: (_s, r) => (r.blockable ? 0 : EAGAIN) });
 * const iv = mm.insertInterval(0, 0x1000, { invalidate: (s, _r, seq) => (s.setSeq(seq), true) });
 * mm.invalidateRangeStartNonblock({ start: 0, end: 0x1000, event: 'unmap', blockable: false });
 * mm.activeInvalidateRanges; // 1 on 6.1.192 (the flaw), 0 on 6.12.118 (the stable fix)
 * iv.readBegin();            // 6.1: KernelWouldSleepError at mm/mmu_notifier.c's wait_event
 * ```
 */

import { checkRange, MMU_NOTIFY_EVENTS, type MmuNotifierRange } from '../core/range.ts';
import { InvalidArgumentError, ReleasedError, StateError } from '../errors.ts';
import { checkUlong, errnoError, maskOf } from './checks.ts';
import { IntervalHandle, NotifierHandle } from './handles.ts';
import { foreignRange } from './host-imports.ts';
import { KernelInstance } from './instance.ts';
import { type KernelModule, loadKernelModule } from './module.ts';
import { Subscribers } from './subscribers.ts';
import type {
  RealInterval,
  RealIntervalOps,
  RealKernelCoreOptions,
  RealNotifier,
  RealNotifierOps,
} from './types.ts';

/** The real kernel's notifier core for one address space (one module instance). */
export class RealKernelCore {
  /** The exact version (`6.12.118`). */
  readonly version: string;
  /** The package series (`6.12`). */
  readonly series: string;
  /** The label given. */
  readonly name: string;
  readonly #k: KernelInstance;
  readonly #subs: Subscribers;
  readonly #open = new Map<MmuNotifierRange, number>();
  readonly #byPtr = new Map<number, MmuNotifierRange>();
  #released = false;

  /**
   * Instantiates the module of `kernel`: a series (`6.1`), an exact version, or a loaded
   * {@link KernelModule}.
   * @throws KernelModuleMissingError naming `npm run kernel` when it is not built.
   */
  constructor(kernel: string | KernelModule, options: RealKernelCoreOptions = {}) {
    const mod = typeof kernel === 'string' ? loadKernelModule(kernel, options.cacheDir) : kernel;
    this.version = mod.version;
    this.series = mod.series;
    this.name = options.name ?? 'mm';
    const subs = new Subscribers(this);
    this.#subs = subs;
    const hook = options.onDiagnostic;
    this.#k = new KernelInstance(mod, this.name, {
      notifier: (id) => subs.notifier(id),
      interval: (id) => subs.interval(id),
      rangeAt: (ptr, s, e, f, ev) => this.#byPtr.get(ptr) ?? foreignRange(s, e, f, ev),
      allocShared: () => subs.allocShared(),
      freeShared: (id) => subs.freeShared(id),
      diagnostic: (d) => hook?.(d),
    });
    const locks = options.takeAllLocks ?? 'sleeps';
    if (locks !== 'sleeps' && locks !== 'proceeds')
      throw new InvalidArgumentError(
        `RealKernelCore: takeAllLocks must be 'sleeps' or 'proceeds', got ${String(locks)}`,
      );
    this.#k.x.dn_set_locks_exclude(locks === 'sleeps' ? 1 : 0);
  }

  #checkLive(caller: string): void {
    if (this.#released)
      throw new ReleasedError(`${caller}: '${this.name}' is released (exit_mmap ran)`);
  }

  /** `mmu_notifier_register` (takes the mmap write lock). @throws for -errno. */
  register(ops: RealNotifierOps, options: { readonly name?: string } = {}): RealNotifier {
    const mask = maskOf(ops, 'register');
    const id = this.#subs.nextId('register');
    const sub = new NotifierHandle(id, options.name ?? `notifier#${id}`, ops, this);
    this.#subs.notifiers.set(id, sub);
    const ret = this.#k.call('register', () => this.#k.x.dn_register(id, mask));
    if (ret !== 0) {
      this.#subs.notifiers.delete(id);
      throw errnoError('register', ret);
    }
    return sub;
  }

  #own(sub: RealNotifier, caller: string): NotifierHandle {
    const n = this.#subs.notifiers.get(sub?.id);
    if (n !== sub)
      throw new InvalidArgumentError(`${caller}: not a live notifier of '${this.name}'`);
    return n;
  }

  /** `mmu_notifier_unregister`: release if still listed, unlink, a grace period. */
  unregister(sub: RealNotifier): void {
    const n = this.#own(sub, 'unregister');
    this.#k.call('unregister', () => this.#k.x.dn_unregister(n.id));
    n.gone = true;
    this.#subs.notifiers.delete(n.id);
  }

  /** `mmu_notifier_get` (`_locked`, under the mmap write lock): one subscription per ops. */
  get(ops: RealNotifierOps, options: { readonly name?: string } = {}): RealNotifier {
    const mask = maskOf(ops, 'get');
    const key = this.#subs.keyOf(ops);
    this.#subs.pendingGet = { ops, name: options.name };
    let ret: number;
    try {
      ret = this.#k.call('get', () => this.#k.x.dn_get(key, mask));
    } finally {
      this.#subs.pendingGet = null;
    }
    if (ret < 0) throw errnoError('get', ret);
    return this.#subs.notifier(ret);
  }

  /** `mmu_notifier_put`: the last put unlinks; `freeNotifier` runs at the next grace period. */
  put(sub: RealNotifier): void {
    const n = this.#own(sub, 'put');
    this.#k.call('put', () => this.#k.x.dn_put(n.id));
  }

  /** `mmu_notifier_synchronize`: a grace period; queued frees run. */
  synchronize(): void {
    this.#k.call('synchronize', () => this.#k.x.dn_synchronize());
  }

  /** `mmu_interval_notifier_insert` of `[start, start + length - 1]`. @throws for -errno. */
  insertInterval(
    start: number,
    length: number,
    ops: RealIntervalOps,
    options: { readonly name?: string } = {},
  ): RealInterval {
    checkUlong(start, 'insertInterval: start');
    checkUlong(length, 'insertInterval: length');
    if (typeof ops?.invalidate !== 'function')
      throw new InvalidArgumentError('insertInterval: ops.invalidate must be a function');
    const id = this.#subs.nextId('insertInterval');
    const sub = new IntervalHandle(
      id,
      options.name ?? `interval#${id}`,
      start,
      start + length - 1,
      ops,
      this,
    );
    this.#subs.intervals.set(id, sub);
    const ret = this.#k.call('insertInterval', () => this.#k.x.dn_insert(id, start, length));
    if (ret !== 0) {
      this.#subs.intervals.delete(id);
      throw errnoError('insertInterval', ret);
    }
    return sub;
  }

  #ownInterval(sub: IntervalHandle, caller: string, removedOk = false): void {
    if (this.#subs.intervals.get(sub.id) !== sub)
      throw new InvalidArgumentError(`${caller}: not an interval of '${this.name}'`);
    if (sub.removed && !removedOk)
      throw new StateError(`${caller}: interval '${sub.name}' is removed already`);
  }

  /** `mmu_interval_read_begin` for an interval handle (its methods call this). */
  readBeginOf(sub: IntervalHandle): number {
    this.#ownInterval(sub, 'readBegin');
    return this.#k.call('readBegin', () => this.#k.x.dn_read_begin(sub.id)) >>> 0;
  }

  /** `mmu_interval_read_retry` / `_check_retry` for an interval handle (its methods call this). */
  readRetryOf(sub: IntervalHandle, seq: number, checked: boolean): boolean {
    this.#ownInterval(sub, 'readRetry');
    checkUlong(seq, 'readRetry: seq');
    const x = this.#k.x;
    return (
      this.#k.call('readRetry', () =>
        checked ? x.dn_check_retry(sub.id, seq) : x.dn_read_retry(sub.id, seq),
      ) !== 0
    );
  }

  /** `mmu_interval_set_seq` for an interval handle (its methods call this). */
  setSeqOf(sub: IntervalHandle, seq: number): void {
    // From `invalidate`, which the kernel may still call while a remove waits.
    this.#ownInterval(sub, 'setSeq', true);
    checkUlong(seq, 'setSeq: seq');
    this.#k.call('setSeq', () => this.#k.x.dn_set_seq(sub.id, seq));
  }

  /** `mmu_interval_notifier_remove` for an interval handle (its methods call this). */
  removeOf(sub: IntervalHandle): void {
    this.#ownInterval(sub, 'remove');
    sub.removed = true;
    this.#k.call('remove', () => this.#k.x.dn_remove(sub.id));
  }

  #rangePtr(range: MmuNotifierRange, caller: string): number {
    checkRange(range, caller);
    checkUlong(range.start, `${caller}: range.start`);
    checkUlong(range.end, `${caller}: range.end`);
    if (this.#open.has(range)) throw new StateError(`${caller}: this range object is already open`);
    const ptr = this.#k.x.dn_range_new(
      range.start,
      range.end,
      MMU_NOTIFY_EVENTS.indexOf(range.event),
    );
    if (ptr === 0) throw new StateError(`${caller}: the module is out of memory (kzalloc failed)`);
    this.#byPtr.set(ptr, range);
    return ptr;
  }

  #dropRange(range: MmuNotifierRange, ptr: number): void {
    this.#open.delete(range);
    this.#byPtr.delete(ptr);
    this.#k.x.dn_range_free(ptr);
  }

  /** `mmu_notifier_invalidate_range_start` (blockable). Pairs with the end. */
  invalidateRangeStart(range: MmuNotifierRange): void {
    this.#checkLive('invalidateRangeStart');
    if (range?.blockable !== true)
      throw new InvalidArgumentError('invalidateRangeStart: range.blockable must be true');
    const ptr = this.#rangePtr(range, 'invalidateRangeStart');
    this.#open.set(range, ptr);
    this.#k.call('invalidateRangeStart', () => this.#k.x.dn_start(ptr));
  }

  /** `mmu_notifier_invalidate_range_start_nonblock`: 0, or the failure (no end then). */
  invalidateRangeStartNonblock(range: MmuNotifierRange): number {
    this.#checkLive('invalidateRangeStartNonblock');
    if (range?.blockable !== false)
      throw new InvalidArgumentError('invalidateRangeStartNonblock: range.blockable must be false');
    const ptr = this.#rangePtr(range, 'invalidateRangeStartNonblock');
    this.#open.set(range, ptr);
    const ret = this.#k.call('invalidateRangeStartNonblock', () =>
      this.#k.x.dn_start_nonblock(ptr),
    );
    if (ret !== 0) this.#dropRange(range, ptr);
    return ret;
  }

  /** `mmu_notifier_invalidate_range_end`; a range never started runs the same code. */
  invalidateRangeEnd(range: MmuNotifierRange): void {
    let ptr = this.#open.get(range);
    if (ptr === undefined) ptr = this.#rangePtr(range, 'invalidateRangeEnd');
    const p = ptr;
    try {
      this.#k.call('invalidateRangeEnd', () => this.#k.x.dn_end(p));
    } finally {
      if (this.#k.dead === null) this.#dropRange(range, p);
    }
  }

  /** `exit_mmap`: `mm_users` drops to 0, then `mmu_notifier_release`. */
  release(): void {
    this.#checkLive('release');
    this.#released = true;
    this.#k.call('release', () => this.#k.x.dn_release());
  }

  /** `mmu_notifier_clear_flush_young`. */
  clearFlushYoung(start: number, end: number): boolean {
    checkUlong(start, 'clearFlushYoung: start');
    checkUlong(end, 'clearFlushYoung: end');
    return this.#k.call('clearFlushYoung', () => this.#k.x.dn_clear_flush_young(start, end)) !== 0;
  }

  /** `mmu_notifier_clear_young`. */
  clearYoung(start: number, end: number): boolean {
    checkUlong(start, 'clearYoung: start');
    checkUlong(end, 'clearYoung: end');
    return this.#k.call('clearYoung', () => this.#k.x.dn_clear_young(start, end)) !== 0;
  }

  /** `mmu_notifier_test_young`. */
  testYoung(address: number): boolean {
    checkUlong(address, 'testYoung: address');
    return this.#k.call('testYoung', () => this.#k.x.dn_test_young(address)) !== 0;
  }

  /** `mmu_notifier_arch_invalidate_secondary_tlbs` (6.6+); `mmu_notifier_invalidate_range` on 6.1. */
  archInvalidateSecondaryTlbs(start: number, end: number): void {
    checkUlong(start, 'archInvalidateSecondaryTlbs: start');
    checkUlong(end, 'archInvalidateSecondaryTlbs: end');
    this.#k.call('archInvalidateSecondaryTlbs', () => this.#k.x.dn_secondary_tlbs(start, end));
  }

  /** True once a notifier or interval was registered (`mm->notifier_subscriptions` set). */
  get hasSubscriptions(): boolean {
    return this.#k.x.dn_probe_has_subscriptions() !== 0;
  }

  /** `invalidate_seq` (2, its initial value, before the first registration). */
  get invalidateSeq(): number {
    return this.hasSubscriptions ? this.#k.x.dn_probe_seq() >>> 0 : 2;
  }

  /** `active_invalidate_ranges` (0 before the first registration; may wrap to 2^32-1). */
  get activeInvalidateRanges(): number {
    return this.hasSubscriptions ? this.#k.x.dn_probe_active() >>> 0 : 0;
  }

  /** `has_itree`. */
  get hasItree(): boolean {
    return this.hasSubscriptions && this.#k.x.dn_probe_has_itree() !== 0;
  }

  /** The length of `deferred_list`. */
  get deferredCount(): number {
    return this.hasSubscriptions ? this.#k.x.dn_probe_deferred() : 0;
  }

  /** `mm_count` (1 is the thread's own pin; each notifier and interval holds one). */
  get mmCount(): number {
    return this.#k.x.dn_probe_mm_count();
  }

  /** True after a BUG_ON, a throwing callback, or a would-sleep inside a nested call. */
  get dead(): boolean {
    return this.#k.dead !== null;
  }
}
