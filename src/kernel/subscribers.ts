/**
 * The subscribers of one real-kernel address space, by the driver's id: list notifiers,
 * interval notifiers, and the ops tables of `get` (one key per ops object, as the kernel
 * compares `ops` pointers). Ids are never reused (the driver's tables are indexed by them).
 */

import { OverflowError, StateError } from '../errors.ts';
import { DRIVER_IDS_MAX } from './exports.ts';
import { type IntervalHandle, NotifierHandle } from './handles.ts';
import type { RealNotifierOps } from './types.ts';

/** The id tables of one address space. Internal to `src/kernel`. */
export class Subscribers {
  readonly notifiers = new Map<number, NotifierHandle>();
  readonly intervals = new Map<number, IntervalHandle>();
  readonly #sharedKeys = new Map<RealNotifierOps, number>();
  /** The ops and name of the `get` in progress, for `alloc_notifier`. */
  pendingGet: { ops: RealNotifierOps; name: string | undefined } | null = null;
  #ids = 0;

  constructor(readonly core: { readonly version: string }) {}

  /** A fresh id. @throws OverflowError past {@link DRIVER_IDS_MAX}. */
  nextId(caller: string): number {
    if (this.#ids >= DRIVER_IDS_MAX)
      throw new OverflowError(`${caller}: more than ${DRIVER_IDS_MAX} subscribers`);
    return ++this.#ids;
  }

  /** The key of an ops table for `dn_get`. */
  keyOf(ops: RealNotifierOps): number {
    let key = this.#sharedKeys.get(ops);
    if (key === undefined) {
      if (this.#sharedKeys.size >= DRIVER_IDS_MAX)
        throw new OverflowError('get: too many ops tables');
      key = this.#sharedKeys.size + 1;
      this.#sharedKeys.set(ops, key);
    }
    return key;
  }

  /** A callback's notifier. @throws StateError for an id the driver never handed out. */
  notifier(id: number): NotifierHandle {
    const n = this.notifiers.get(id);
    if (n === undefined) throw new StateError(`the kernel called back unknown notifier ${id}`);
    return n;
  }

  /** A callback's interval. @throws StateError for an unknown id. */
  interval(id: number): IntervalHandle {
    const n = this.intervals.get(id);
    if (n === undefined) throw new StateError(`the kernel called back unknown interval ${id}`);
    return n;
  }

  /** `alloc_notifier` of the `get` in progress: a new handle's id. */
  allocShared(): number {
    const pending = this.pendingGet;
    if (pending === null) throw new StateError('alloc_notifier outside get');
    const id = this.nextId('get');
    const sub = new NotifierHandle(id, pending.name ?? `notifier#${id}`, pending.ops, this.core);
    this.notifiers.set(id, sub);
    return id;
  }

  /** `free_notifier` (after the grace period of the last put). */
  freeShared(id: number): void {
    const n = this.notifier(id);
    n.gone = true;
    this.notifiers.delete(id);
    n.ops.freeNotifier?.(n);
  }
}
