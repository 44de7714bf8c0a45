/**
 * The physical page allocator: page frame numbers with reference counts and contents.
 * Follows `include/linux/mm.h` (`get_page`, `put_page`, `page_ref_count`) and
 * `mm/page_alloc.c` (`alloc_pages`, `__free_pages`) in miniature.
 *
 * Protocol
 * --------
 * | state  | refcount | may be mapped by the primary | may be mapped by a mirror |
 * |--------|----------|------------------------------|---------------------------|
 * | in use | >= 1     | yes                          | yes                       |
 * | freed  | 0        | never                        | never (use-after-free)    |
 *
 * Pfns are never reused, so "a mirror maps a freed pfn" is a plain lookup for the monitors.
 * Every operation records an access on the allocator's object, so the checker's reduction
 * orders two tasks that take and drop references to the same page.
 */

import { InvalidArgumentError, OverflowError, StateError } from '../errors.ts';
import { defaultScheduler, type Op, PrimitiveOp, type Scheduler } from '../sched/scheduler.ts';

/** The size of a page in bytes: the kernel's `PAGE_SIZE` on x86-64. */
export const PAGE_SIZE = 4096;

/** The most pages one allocator hands out in a run (a limit on everything). */
export const PAGES_MAX = 4096;

/** Where a page lives: system RAM, or device-private memory owned by a driver (`ZONE_DEVICE`). */
export type PageKind = 'system' | 'device-private';

interface PageFrame {
  refcount: number;
  data: number;
  readonly kind: PageKind;
  readonly owner: unknown;
}

/** The physical page allocator of one model run. */
export class PageAllocator {
  /** The object id, for reduction. */
  readonly id: number;
  readonly #sched: Scheduler;
  readonly #op: Op;
  readonly #frames = new Map<number, PageFrame>();
  #next = 1;
  #freed = 0;

  constructor(scheduler: Scheduler = defaultScheduler) {
    this.#sched = scheduler;
    this.id = scheduler.objectId('page_alloc');
    this.#op = new PrimitiveOp('page.ref', this.id, true, 'page_alloc');
  }

  /**
   * `alloc_page()`: a new page with refcount 1 and the given contents.
   * `owner` is the `pgmap->owner` of a device-private page.
   * Pairs with {@link PageAllocator.put}.
   */
  alloc(data = 0, kind: PageKind = 'system', owner?: unknown): number {
    if (this.#next > PAGES_MAX) throw new OverflowError(`more than ${PAGES_MAX} pages allocated`);
    this.#sched.access(this.#op);
    const pfn = this.#next++;
    this.#frames.set(pfn, { refcount: 1, data, kind, owner });
    return pfn;
  }

  /** `get_page()`: takes a reference on a page in use. Pairs with {@link PageAllocator.put}. */
  get(pfn: number): void {
    const frame = this.#live(pfn, 'get_page');
    this.#sched.access(this.#op);
    frame.refcount++;
  }

  /**
   * `put_page()`: drops a reference; the last one frees the page. Returns true when freed.
   * Pairs with {@link PageAllocator.alloc} / {@link PageAllocator.get}.
   */
  put(pfn: number): boolean {
    const frame = this.#live(pfn, 'put_page');
    this.#sched.access(this.#op);
    frame.refcount--;
    if (frame.refcount > 0) return false;
    this.#freed++;
    return true;
  }

  /** The contents of a page in use (`memcpy_from_page`). */
  read(pfn: number): number {
    return this.#live(pfn, 'read').data;
  }

  /** Sets the contents of a page in use (`memcpy_to_page`). */
  write(pfn: number, data: number): void {
    this.#live(pfn, 'write').data = data;
  }

  /** True once the page's last reference is gone. Unknown pfns are an error. */
  isFreed(pfn: number): boolean {
    const frame = this.#frames.get(pfn);
    if (frame === undefined) throw new InvalidArgumentError(`pfn ${pfn} was never allocated`);
    return frame.refcount === 0;
  }

  /** The page's reference count (0 once freed). */
  refcount(pfn: number): number {
    return this.#frames.get(pfn)?.refcount ?? 0;
  }

  /** Where the page lives and, for device memory, its owner. */
  kindOf(pfn: number): { readonly kind: PageKind; readonly owner: unknown } {
    const frame = this.#frames.get(pfn);
    if (frame === undefined) throw new InvalidArgumentError(`pfn ${pfn} was never allocated`);
    return { kind: frame.kind, owner: frame.owner };
  }

  /** Pages allocated and not yet freed. */
  get inUse(): number {
    return this.#next - 1 - this.#freed;
  }

  #live(pfn: number, what: string): PageFrame {
    const frame = this.#frames.get(pfn);
    if (frame === undefined)
      throw new InvalidArgumentError(`${what}: pfn ${pfn} was never allocated`);
    if (frame.refcount <= 0)
      throw new StateError(`${what}: pfn ${pfn} is already freed (use after free)`);
    return frame;
  }
}
