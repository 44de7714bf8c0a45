/**
 * Virtual memory areas: the kernel's `struct vm_area_struct` and the mm's VMA tree
 * (`find_vma`, `vma_lookup`, the splits done by `do_vmi_munmap` and `mprotect_fixup`), as a
 * sorted array. Callers hold `mmap_lock` (read to look up, write to change).
 *
 * A VMA is `[start, end)`, page aligned, with protection bits and a backing: anonymous memory
 * or a file (`PageCache`), private (copy on write) or shared (`VM_SHARED`).
 */

import { InvalidArgumentError, OverflowError } from '../errors.ts';
import { PAGE_SIZE } from './page-alloc.ts';
import type { PageCache } from './page-cache.ts';

/** The most VMAs in one mm (a limit on everything). */
export const VMAS_MAX = 64;

/** Protection bits (`VM_READ`, `VM_WRITE`). */
export interface Prot {
  /** `VM_READ`. */
  readonly read: boolean;
  /** `VM_WRITE`. */
  readonly write: boolean;
}

/** One VMA (`struct vm_area_struct`). Fields change only under `mmap_lock` held for writing. */
export interface Vma {
  /** `vm_start`. */
  readonly start: number;
  /** `vm_end` (exclusive). */
  readonly end: number;
  /** The protection (`vm_flags` & (VM_READ | VM_WRITE)). */
  readonly prot: Prot;
  /** `VM_SHARED`: writes reach the backing; otherwise a write copies (private). */
  readonly shared: boolean;
  /** The file behind a file mapping (`vm_file`); absent for anonymous memory. */
  readonly file?: PageCache;
  /** The file offset of `start`, in bytes (`vm_pgoff << PAGE_SHIFT`). */
  readonly fileOffset: number;
}

/** The VMA description given to `mmap`. */
export interface VmaSpec {
  /** The protection (`vm_flags` & (VM_READ | VM_WRITE)). */
  readonly prot: Prot;
  /** `MAP_SHARED` (default private). */
  readonly shared?: boolean;
  /** The file to map; anonymous memory when absent. */
  readonly file?: PageCache;
  /** The file offset of the start, in bytes (default 0). */
  readonly fileOffset?: number;
}

/** True when `vma` is anonymous (`vma_is_anonymous`). */
export function vmaIsAnonymous(vma: Vma): boolean {
  return vma.file === undefined;
}

/** Asserts `[start, start + length)` is a non-empty, page-aligned, safe range. */
export function checkRange(start: number, length: number): number {
  const end = start + length;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || length <= 0) {
    throw new InvalidArgumentError(`bad range start=${start} length=${length}`);
  }
  if (start % PAGE_SIZE !== 0 || length % PAGE_SIZE !== 0) {
    throw new InvalidArgumentError(`range ${start}+${length} is not page aligned`);
  }
  return end;
}

/** The VMAs of one mm, sorted by address and never overlapping. */
export class VmaList {
  #vmas: Vma[] = [];

  /** All VMAs, in address order. */
  get all(): readonly Vma[] {
    return this.#vmas;
  }

  /** `vma_lookup()`: the VMA containing `addr`, if any. */
  lookup(addr: number): Vma | undefined {
    return this.#vmas.find((v) => v.start <= addr && addr < v.end);
  }

  /** Inserts a VMA; the range must be free (`mmap` with `MAP_FIXED_NOREPLACE`). */
  insert(start: number, end: number, spec: VmaSpec): Vma {
    if (this.#vmas.length >= VMAS_MAX) throw new OverflowError(`more than ${VMAS_MAX} VMAs`);
    if (this.#vmas.some((v) => v.start < end && start < v.end)) {
      throw new InvalidArgumentError(`mmap [${start}, ${end}) overlaps a VMA`);
    }
    const vma: Vma = {
      start,
      end,
      prot: spec.prot,
      shared: spec.shared ?? false,
      fileOffset: spec.fileOffset ?? 0,
      ...(spec.file === undefined ? {} : { file: spec.file }),
    };
    this.#vmas.push(vma);
    this.#vmas.sort((a, b) => a.start - b.start);
    return vma;
  }

  /** Removes `[start, end)` from every VMA, splitting at the edges (`do_vmi_munmap`). */
  remove(start: number, end: number): void {
    this.#vmas = this.#vmas.flatMap((v) => this.#carve(v, start, end, undefined));
  }

  /** Sets the protection of `[start, end)`, splitting at the edges (`mprotect_fixup`). */
  protect(start: number, end: number, prot: Prot): void {
    this.#vmas = this.#vmas.flatMap((v) => this.#carve(v, start, end, prot));
  }

  #carve(v: Vma, start: number, end: number, prot: Prot | undefined): Vma[] {
    if (v.end <= start || end <= v.start) return [v];
    const out: Vma[] = [];
    const piece = (s: number, e: number, p: Prot): Vma => ({
      ...v,
      start: s,
      end: e,
      prot: p,
      fileOffset: v.fileOffset + (s - v.start),
    });
    if (v.start < start) out.push(piece(v.start, start, v.prot));
    if (prot !== undefined) out.push(piece(Math.max(v.start, start), Math.min(v.end, end), prot));
    if (end < v.end) out.push(piece(end, v.end, v.prot));
    if (this.#vmas.length + out.length > VMAS_MAX + 1)
      throw new OverflowError(`more than ${VMAS_MAX} VMAs`);
    return out;
  }
}
