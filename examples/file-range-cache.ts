/**
 * A cache of byte ranges of an asynchronous source (a file), kept coherent with interval
 * notifiers, as a device driver keeps its mirror of a process's pages coherent.
 *
 * Protocol (the kernel's documented `mmu_interval_read_begin` loop, `Documentation/mm/hmm.rst`)
 * --------
 * - One interval notifier per cached page, inserted on the page's first read.
 * - Writer: `invalidate([offset, offset + length))` (blockable) -> every overlapping
 *   interval's `invalidate` takes the cache lock, `setSeq(curSeq)`, drops the page ->
 *   the source is written -> the end (by `await using`) makes the seq even and wakes readers.
 *   Writers are serialized by a writer mutex (the file's `i_rwsem`).
 * - Reader of a page: `seq = await readBegin()`; read the source (may sleep); take the cache
 *   lock; if `readRetry(seq)` a write collided: drop the bytes and start again; else install.
 *   Pairs: `setSeq` (in invalidate, under the lock) with `readRetry` (under the same lock).
 *
 * Required outcome: no read returns bytes older than the last write that completed before
 * the read began (`test/examples/file-range-cache.test.ts` checks it under random
 * interleavings).
 */

import type { AddressSpace } from '../src/core/address-space.ts';
import type { MmuIntervalNotifier, MmuIntervalNotifierOps } from '../src/core/ops.ts';
import { InvalidArgumentError, OverflowError } from '../src/errors.ts';
import { Mutex } from '../src/sync/mutex.ts';

/** The asynchronous source being cached. */
export interface ByteSource {
  /** Size in bytes. */
  readonly size: number;
  /** Reads `[offset, offset + length)`. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Writes `data` at `offset`. */
  write(offset: number, data: Uint8Array): Promise<void>;
}

/** How many collisions one page fill tolerates before giving up. */
export const FILL_RETRIES_MAX = 1000;

interface Page {
  readonly sub: MmuIntervalNotifier<number>;
  bytes: Uint8Array | null;
}

/** A page cache over a {@link ByteSource}, coherent through interval notifiers. */
export class FileRangeCache {
  readonly #mm: AddressSpace;
  readonly #source: ByteSource;
  readonly #pageSize: number;
  readonly #pages = new Map<number, Page>();
  readonly #lock: Mutex;
  readonly #writer: Mutex;
  readonly #ops: MmuIntervalNotifierOps<number>;
  /** Fills dropped because a write collided (for tests and curiosity). */
  retries = 0;

  constructor(mm: AddressSpace, source: ByteSource, pageSize = 16) {
    if (!Number.isSafeInteger(pageSize) || pageSize <= 0) {
      throw new InvalidArgumentError('FileRangeCache: pageSize must be a positive integer');
    }
    this.#mm = mm;
    this.#source = source;
    this.#pageSize = pageSize;
    this.#lock = new Mutex({ scheduler: mm.scheduler, name: 'cache.lock' });
    this.#writer = new Mutex({ scheduler: mm.scheduler, name: 'cache.writer' });
    this.#ops = {
      invalidate: (sub, range, curSeq) => this.#invalidate(sub, range.blockable, curSeq),
    };
  }

  /** `invalidate`: under the cache lock, `setSeq(curSeq)` and drop the page. */
  async #invalidate(sub: MmuIntervalNotifier<number>, blockable: boolean, curSeq: number) {
    if (!blockable) {
      if (!this.#lock.tryLock()) return false;
    } else await this.#lock.lock();
    sub.setSeq(curSeq);
    const page = this.#pages.get(sub.data);
    if (page !== undefined) page.bytes = null;
    this.#lock.unlock();
    return true;
  }

  #check(offset: number, length: number): void {
    const ok = Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0;
    if (!ok || length <= 0 || offset + length > this.#source.size) {
      throw new InvalidArgumentError(`FileRangeCache: bad range [${offset}, +${length})`);
    }
  }

  /** Reads `[offset, offset + length)` through the cache. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.#check(offset, length);
    const out = new Uint8Array(length);
    const ps = this.#pageSize;
    for (let p = Math.floor(offset / ps); p * ps < offset + length; p++) {
      const bytes = await this.#page(p);
      const from = Math.max(offset, p * ps);
      const to = Math.min(offset + length, (p + 1) * ps);
      out.set(bytes.subarray(from - p * ps, to - p * ps), from - offset);
    }
    return out;
  }

  /** One page: cached, or filled with the read_begin / read / lock / read_retry loop. */
  async #page(p: number): Promise<Uint8Array> {
    const ps = this.#pageSize;
    let page = this.#pages.get(p);
    if (page === undefined) {
      const length = Math.min(ps, this.#source.size - p * ps);
      const sub = this.#mm.insertInterval(p * ps, length, this.#ops, { name: `page${p}`, data: p });
      page = { sub, bytes: null };
      this.#pages.set(p, page);
    }
    for (let tries = 0; tries < FILL_RETRIES_MAX; tries++) {
      const cached = page.bytes;
      if (cached !== null) return cached;
      const seq = await page.sub.readBegin();
      const bytes = await this.#source.read(p * ps, page.sub.last - page.sub.start + 1);
      await this.#lock.lock();
      try {
        if (page.sub.readRetry(seq)) {
          this.retries++;
          continue;
        }
        page.bytes = bytes;
        return bytes;
      } finally {
        this.#lock.unlock();
      }
    }
    throw new OverflowError(`FileRangeCache: page ${p} collided ${FILL_RETRIES_MAX} times`);
  }

  /** Writes `data` at `offset`: invalidate, write the source, end (by `await using`). */
  async write(offset: number, data: Uint8Array): Promise<void> {
    this.#check(offset, data.length);
    await this.#writer.lock();
    try {
      const range = {
        start: offset,
        end: offset + data.length,
        event: 'clear',
        blockable: true,
      } as const;
      await using _inv = await this.#mm.invalidate(range);
      await this.#source.write(offset, data);
    } finally {
      this.#writer.unlock();
    }
  }

  /** Removes every interval notifier. */
  async close(): Promise<void> {
    for (const page of this.#pages.values()) await page.sub.remove();
    this.#pages.clear();
  }
}
