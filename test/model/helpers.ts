/**
 * Shared setup of the model's unit tests: a process on the plain event loop (no checker),
 * with one read-write anonymous VMA at {@link BASE}.
 */

import { AddressSpace } from '../../src/core/address-space.ts';
import type { Diagnostic } from '../../src/core/diagnostics.ts';
import type { Semantics } from '../../src/core/range.ts';
import { Mm } from '../../src/model/mm.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';

/** Where the tests map their buffer. */
export const BASE = 0x10_0000;

/** A process with `npages` of anonymous RW memory at BASE; `diags` collects the core's diagnostics. */
export function process(
  npages = 1,
  semantics: Semantics = 'current',
): { mm: Mm; diags: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const as = new AddressSpace({ semantics, onDiagnostic: (d) => diags.push(d) });
  const mm = new Mm(as);
  mm.mmap(BASE, npages * PAGE_SIZE, { prot: { read: true, write: true } });
  return { mm, diags };
}
