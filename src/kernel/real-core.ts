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
 * | *live*   | construction                            | everything                         |
 * | *dead*   | a BUG_ON, a callback that threw, a would-sleep inside a nested call | nothing: StateError |
 *
 * One thread: a wait whose condition is false (`wait_event` in `mmu_interval_read_begin` and
 * `mmu_interval_notifier_remove`, `synchronize_srcu` inside a read section, and
 * `mm_take_all_locks` while this thread has an invalidation open) can never be woken. The
 * call stops at the wait and throws {@link KernelWouldSleepError}; the module stays *live*,
 * in the state the sleeping thread left it (a remove's interval stays queued on the deferred
 * list, applied by the last end; its mm reference is not dropped). WARN_ON / WARN_ON_ONCE
 * are reported through `onDiagnostic` with the kernel's file and line, and the code goes on;
 * BUG_ON is reported, then {@link KernelBugError}.
 *
 * wasm32: `unsigned long` is 32 bits, so addresses and seqs are below 2^32 and the release
 * walk's range is `[0, 0xffffffff)` (`ULONG_MAX`).
 */

import { checkRange, MMU_NOTIFY_EVENTS, type MmuNotifierRange } from '../core/range.ts';
import {
  InvalidArgumentError,
  KernelBugError,
  KernelWouldSleepError,
  OverflowError,
  ReleasedError,
  StateError,
} from '../errors.ts';
import { CALLBACK_BITS, DRIVER_IDS_MAX, type DriverExports, KERNEL_ULONG_MAX } from './exports.ts';
import { IntervalHandle, NotifierHandle } from './handles.ts';
import { BugSignal, foreignRange, hostImports, WouldSleepSignal } from './host-imports.ts';
import { type KernelModule, loadKernelModule } from './module.ts';
import type {
  KernelDiagnostic,
  RealInterval,
  RealIntervalOps,
  RealKernelCoreOptions,
  RealNotifier,
  RealNotifierOps,
} from './types.ts';

function errnoError(what: string, ret: number): Error {
  if (ret === -75) return new OverflowError(`${what}: the kernel returned -EOVERFLOW`);
  if (ret === -22) return new InvalidArgumentError(`${what}: the kernel returned -EINVAL`);
  return new StateError(`${what}: the kernel returned ${ret}`);
}

function checkUlong(value: unknown, what: string): asserts value is number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 0 ||
    value > KERNEL_ULONG_MAX
  ) {
    throw new InvalidArgumentError(
      `${what} must be an integer in [0, 2^32) (wasm32), got ${String(value)}`,
    );
  }
}

function maskOf(ops: RealNotifierOps, caller: string): number {
  if (typeof ops !== 'object' || ops === null) {
    throw new InvalidArgumentError(`${caller}: ops must be an object`);
  }
  let mask = 0;
  for (const [member, bit] of Object.entries(CALLBACK_BITS)) {
    const fn = (ops as Record<string, unknown>)[member];
    if (fn === undefined) continue;
    if (typeof fn !== 'function')
      throw new InvalidArgumentError(`${caller}: ops.${member} must be a function`);
    mask |= bit;
  }
  return mask;
}

/** The real kernel's notifier core for one address space (one module instance). */
export class RealKernelCore {
  /** The exact version (`6.12.118`). */
  readonly version: string;
  /** The package series (`6.12`). */
  readonly series: string;
  /** The label given. */
  readonly name: string;
  readonly #x: DriverExports;
  readonly #hook: ((d: KernelDiagnostic) => void) | undefined;
  readonly #notifiers = new Map<number, NotifierHandle>();
  readonly #intervals = new Map<number, IntervalHandle>();
  readonly #open = new Map<MmuNotifierRange, number>();
  readonly #byPtr = new Map<number, MmuNotifierRange>();
  readonly #sharedKeys = new Map<RealNotifierOps, number>();
  #pendingGet: { ops: RealNotifierOps; name: string | undefined } | null = null;
  #ids = 0;
  #depth = 0;
  #dead: string | null = null;
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
    this.#hook = options.onDiagnostic;
    const self = this;
    const env = hostImports({
      get depth() {
        return self.#depth;
      },
      cString: (ptr) => this.#cString(ptr),
      notifier: (id) => this.#notifier(id),
      interval: (id) => this.#interval(id),
      rangeAt: (ptr, s, e, f, ev) => this.#byPtr.get(ptr) ?? foreignRange(s, e, f, ev),
      allocShared: (key) => this.#allocShared(key),
      freeShared: (id) => this.#freeShared(id),
      diagnostic: (d) => this.#hook?.(d),
    });
    const instance = new WebAssembly.Instance(mod.module, { env });
    this.#x = instance.exports as unknown as DriverExports;
    this.#x.dn_init();
  }

  #cString(ptr: number): string {
    const bytes = new Uint8Array(this.#x.memory.buffer, ptr >>> 0);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(bytes.subarray(0, end < 0 ? 256 : end));
  }

  #notifier(id: number): NotifierHandle {
    const n = this.#notifiers.get(id);
    if (n === undefined) throw new StateError(`the kernel called back unknown notifier ${id}`);
    return n;
  }

  #interval(id: number): IntervalHandle {
    const n = this.#intervals.get(id);
    if (n === undefined) throw new StateError(`the kernel called back unknown interval ${id}`);
    return n;
  }

  #nextId(caller: string): number {
    if (this.#ids >= DRIVER_IDS_MAX)
      throw new OverflowError(`${caller}: more than ${DRIVER_IDS_MAX} subscribers`);
    return ++this.#ids;
  }

  /** Runs one call into the module; turns the shim's signals into typed errors. */
  #call<T>(what: string, fn: () => T): T {
    if (this.#dead !== null)
      throw new StateError(`${what}: the kernel module of '${this.name}' is dead (${this.#dead})`);
    const outer = this.#depth === 0;
    const sp = outer ? (this.#x.__stack_pointer.value as number) : 0;
    this.#depth++;
    try {
      return fn();
    } catch (error) {
      if (!outer) throw error;
      this.#x.__stack_pointer.value = sp;
      if (error instanceof WouldSleepSignal) {
        const { file, line, condition } = error.site;
        if (error.depth > 1) this.#dead = `${what}: a nested call would sleep`;
        throw new KernelWouldSleepError(
          `${what} would sleep at ${file}:${line}: ${condition}`,
          error.site,
        );
      }
      if (error instanceof BugSignal) {
        const { file, line, condition } = error.site;
        this.#dead = `BUG_ON(${condition}) at ${file}:${line}`;
        throw new KernelBugError(`${what}: BUG_ON(${condition}) at ${file}:${line}`, error.site);
      }
      this.#dead = `${what}: a callback threw`;
      throw error;
    } finally {
      this.#depth--;
    }
  }

  #checkLive(caller: string): void {
    if (this.#released)
      throw new ReleasedError(`${caller}: '${this.name}' is released (exit_mmap ran)`);
  }

  /** `mmu_notifier_register` (takes the mmap write lock). @throws for -errno. */
  register(ops: RealNotifierOps, options: { readonly name?: string } = {}): RealNotifier {
    const mask = maskOf(ops, 'register');
    const id = this.#nextId('register');
    const sub = new NotifierHandle(id, options.name ?? `notifier#${id}`, ops, this);
    this.#notifiers.set(id, sub);
    const ret = this.#call('register', () => this.#x.dn_register(id, mask));
    if (ret !== 0) {
      this.#notifiers.delete(id);
      throw errnoError('register', ret);
    }
    return sub;
  }

  #own(sub: RealNotifier, caller: string): NotifierHandle {
    const n = this.#notifiers.get(sub?.id);
    if (n !== sub)
      throw new InvalidArgumentError(`${caller}: not a live notifier of '${this.name}'`);
    return n;
  }

  /** `mmu_notifier_unregister`: release if still listed, unlink, a grace period. */
  unregister(sub: RealNotifier): void {
    const n = this.#own(sub, 'unregister');
    this.#call('unregister', () => this.#x.dn_unregister(n.id));
    n.gone = true;
    this.#notifiers.delete(n.id);
  }

  /** `mmu_notifier_get` (`_locked`, under the mmap write lock): one subscription per ops. */
  get(ops: RealNotifierOps, options: { readonly name?: string } = {}): RealNotifier {
    const mask = maskOf(ops, 'get');
    let key = this.#sharedKeys.get(ops);
    if (key === undefined) {
      if (this.#sharedKeys.size >= DRIVER_IDS_MAX)
        throw new OverflowError('get: too many ops tables');
      key = this.#sharedKeys.size + 1;
      this.#sharedKeys.set(ops, key);
    }
    this.#pendingGet = { ops, name: options.name };
    const k = key;
    const ret = this.#call('get', () => this.#x.dn_get(k, mask));
    this.#pendingGet = null;
    if (ret < 0) throw errnoError('get', ret);
    return this.#notifier(ret);
  }

  #allocShared(_key: number): number {
    const pending = this.#pendingGet;
    if (pending === null) throw new StateError('alloc_notifier outside get');
    const id = this.#nextId('get');
    const sub = new NotifierHandle(id, pending.name ?? `notifier#${id}`, pending.ops, this);
    this.#notifiers.set(id, sub);
    return id;
  }

  #freeShared(id: number): void {
    const n = this.#notifier(id);
    n.gone = true;
    this.#notifiers.delete(id);
    n.ops.freeNotifier?.(n);
  }

  /** `mmu_notifier_put`: the last put unlinks; `freeNotifier` runs at the next grace period. */
  put(sub: RealNotifier): void {
    const n = this.#own(sub, 'put');
    this.#call('put', () => this.#x.dn_put(n.id));
  }

  /** `mmu_notifier_synchronize`: a grace period; queued frees run. */
  synchronize(): void {
    this.#call('synchronize', () => this.#x.dn_synchronize());
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
    const id = this.#nextId('insertInterval');
    const sub = new IntervalHandle(
      id,
      options.name ?? `interval#${id}`,
      start,
      start + length - 1,
      ops,
      this,
    );
    this.#intervals.set(id, sub);
    const ret = this.#call('insertInterval', () => this.#x.dn_insert(id, start, length));
    if (ret !== 0) {
      this.#intervals.delete(id);
      throw errnoError('insertInterval', ret);
    }
    return sub;
  }

  #ownInterval(sub: IntervalHandle, caller: string, removedOk = false): void {
    if (this.#intervals.get(sub.id) !== sub)
      throw new InvalidArgumentError(`${caller}: not an interval of '${this.name}'`);
    if (sub.removed && !removedOk)
      throw new StateError(`${caller}: interval '${sub.name}' is removed already`);
  }

  /** `mmu_interval_read_begin` for an interval handle (its methods call this). */
  readBeginOf(sub: IntervalHandle): number {
    this.#ownInterval(sub, 'readBegin');
    return this.#call('readBegin', () => this.#x.dn_read_begin(sub.id)) >>> 0;
  }

  /** `mmu_interval_read_retry` / `_check_retry` for an interval handle (its methods call this). */
  readRetryOf(sub: IntervalHandle, seq: number, checked: boolean): boolean {
    this.#ownInterval(sub, 'readRetry');
    checkUlong(seq, 'readRetry: seq');
    const x = this.#x;
    return (
      this.#call('readRetry', () =>
        checked ? x.dn_check_retry(sub.id, seq) : x.dn_read_retry(sub.id, seq),
      ) !== 0
    );
  }

  /** `mmu_interval_set_seq` for an interval handle (its methods call this). */
  setSeqOf(sub: IntervalHandle, seq: number): void {
    // From `invalidate`, which the kernel may still call while a remove waits.
    this.#ownInterval(sub, 'setSeq', true);
    checkUlong(seq, 'setSeq: seq');
    this.#call('setSeq', () => this.#x.dn_set_seq(sub.id, seq));
  }

  /** `mmu_interval_notifier_remove` for an interval handle (its methods call this). */
  removeOf(sub: IntervalHandle): void {
    this.#ownInterval(sub, 'remove');
    sub.removed = true;
    this.#call('remove', () => this.#x.dn_remove(sub.id));
  }

  #rangePtr(range: MmuNotifierRange, caller: string): number {
    checkRange(range, caller);
    checkUlong(range.start, `${caller}: range.start`);
    checkUlong(range.end, `${caller}: range.end`);
    if (this.#open.has(range)) throw new StateError(`${caller}: this range object is already open`);
    const ptr = this.#x.dn_range_new(
      range.start,
      range.end,
      MMU_NOTIFY_EVENTS.indexOf(range.event),
    );
    this.#byPtr.set(ptr, range);
    return ptr;
  }

  #dropRange(range: MmuNotifierRange, ptr: number): void {
    this.#open.delete(range);
    this.#byPtr.delete(ptr);
    this.#x.dn_range_free(ptr);
  }

  /** `mmu_notifier_invalidate_range_start` (blockable). Pairs with the end. */
  invalidateRangeStart(range: MmuNotifierRange): void {
    this.#checkLive('invalidateRangeStart');
    if (range?.blockable !== true)
      throw new InvalidArgumentError('invalidateRangeStart: range.blockable must be true');
    const ptr = this.#rangePtr(range, 'invalidateRangeStart');
    this.#open.set(range, ptr);
    this.#call('invalidateRangeStart', () => this.#x.dn_start(ptr));
  }

  /** `mmu_notifier_invalidate_range_start_nonblock`: 0, or the failure (no end then). */
  invalidateRangeStartNonblock(range: MmuNotifierRange): number {
    this.#checkLive('invalidateRangeStartNonblock');
    if (range?.blockable !== false)
      throw new InvalidArgumentError('invalidateRangeStartNonblock: range.blockable must be false');
    const ptr = this.#rangePtr(range, 'invalidateRangeStartNonblock');
    this.#open.set(range, ptr);
    const ret = this.#call('invalidateRangeStartNonblock', () => this.#x.dn_start_nonblock(ptr));
    if (ret !== 0) this.#dropRange(range, ptr);
    return ret;
  }

  /** `mmu_notifier_invalidate_range_end`; a range never started runs the same code. */
  invalidateRangeEnd(range: MmuNotifierRange): void {
    let ptr = this.#open.get(range);
    if (ptr === undefined) ptr = this.#rangePtr(range, 'invalidateRangeEnd');
    const p = ptr;
    try {
      this.#call('invalidateRangeEnd', () => this.#x.dn_end(p));
    } finally {
      if (this.#dead === null) this.#dropRange(range, p);
    }
  }

  /** `exit_mmap`: `mm_users` drops to 0, then `mmu_notifier_release`. */
  release(): void {
    this.#checkLive('release');
    this.#released = true;
    this.#call('release', () => this.#x.dn_release());
  }

  /** `mmu_notifier_clear_flush_young`. */
  clearFlushYoung(start: number, end: number): boolean {
    checkUlong(start, 'clearFlushYoung: start');
    checkUlong(end, 'clearFlushYoung: end');
    return this.#call('clearFlushYoung', () => this.#x.dn_clear_flush_young(start, end)) !== 0;
  }

  /** `mmu_notifier_clear_young`. */
  clearYoung(start: number, end: number): boolean {
    checkUlong(start, 'clearYoung: start');
    checkUlong(end, 'clearYoung: end');
    return this.#call('clearYoung', () => this.#x.dn_clear_young(start, end)) !== 0;
  }

  /** `mmu_notifier_test_young`. */
  testYoung(address: number): boolean {
    checkUlong(address, 'testYoung: address');
    return this.#call('testYoung', () => this.#x.dn_test_young(address)) !== 0;
  }

  /** `mmu_notifier_arch_invalidate_secondary_tlbs` (6.6+); `mmu_notifier_invalidate_range` on 6.1. */
  archInvalidateSecondaryTlbs(start: number, end: number): void {
    checkUlong(start, 'archInvalidateSecondaryTlbs: start');
    checkUlong(end, 'archInvalidateSecondaryTlbs: end');
    this.#call('archInvalidateSecondaryTlbs', () => this.#x.dn_secondary_tlbs(start, end));
  }

  /** True once a notifier or interval was registered (`mm->notifier_subscriptions` set). */
  get hasSubscriptions(): boolean {
    return this.#x.dn_probe_has_subscriptions() !== 0;
  }

  /** `invalidate_seq` (2, its initial value, before the first registration). */
  get invalidateSeq(): number {
    return this.hasSubscriptions ? this.#x.dn_probe_seq() >>> 0 : 2;
  }

  /** `active_invalidate_ranges` (0 before the first registration; may wrap to 2^32-1). */
  get activeInvalidateRanges(): number {
    return this.hasSubscriptions ? this.#x.dn_probe_active() >>> 0 : 0;
  }

  /** `has_itree`. */
  get hasItree(): boolean {
    return this.hasSubscriptions && this.#x.dn_probe_has_itree() !== 0;
  }

  /** The length of `deferred_list`. */
  get deferredCount(): number {
    return this.hasSubscriptions ? this.#x.dn_probe_deferred() : 0;
  }

  /** `mm_count` (1 is the thread's own pin; each notifier and interval holds one). */
  get mmCount(): number {
    return this.#x.dn_probe_mm_count();
  }

  /** True after a BUG_ON, a throwing callback, or a would-sleep inside a nested call. */
  get dead(): boolean {
    return this.#dead !== null;
  }
}
