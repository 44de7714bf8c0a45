/**
 * A file's page cache (`struct address_space` of an inode, `filemap_fault`,
 * `filemap_get_folio`): the pages of a file, each held by one cache reference, so unmapping a
 * file mapping never frees them. Used for the HMM selftests `file_read` and `file_write`.
 */

import { OverflowError } from '../errors.ts';
import { PAGE_SIZE, type PageAllocator } from './page-alloc.ts';

/** The most pages one file holds (a limit on everything). */
export const FILE_PAGES_MAX = 256;

/** One file's page cache. */
export class PageCache {
  /** The file's name, for traces. */
  readonly name: string;
  readonly #alloc: PageAllocator;
  readonly #pages = new Map<number, number>();

  constructor(alloc: PageAllocator, name = 'file') {
    this.#alloc = alloc;
    this.name = name;
  }

  /** `filemap_fault()`: the pfn caching byte `offset` of the file, read in on first use. */
  pageAt(offset: number): number {
    const index = Math.floor(offset / PAGE_SIZE);
    const cached = this.#pages.get(index);
    if (cached !== undefined) return cached;
    if (this.#pages.size >= FILE_PAGES_MAX) throw new OverflowError(`file ${this.name} is full`);
    const pfn = this.#alloc.alloc(0);
    this.#pages.set(index, pfn);
    return pfn;
  }

  /** `pwrite()`: sets the contents of the page at byte `offset`. */
  pwrite(offset: number, data: number): void {
    this.#alloc.write(this.pageAt(offset), data);
  }

  /** `pread()`: the contents of the page at byte `offset`. */
  pread(offset: number): number {
    return this.#alloc.read(this.pageAt(offset));
  }
}
