/**
 * The imports of the driver module (module `env`): the callbacks the kernel's code makes,
 * dispatched by subscriber id to the TypeScript ops, and the shim's two reports to the host
 * (`kshim_warn` for WARN_ON/BUG_ON, `kshim_would_sleep` for a wait that cannot complete).
 * A report that must stop the kernel's code throws a signal, which unwinds the wasm frames
 * to {@link RealKernelCore}'s call wrapper.
 */

import { MMU_NOTIFY_EVENTS, type MmuNotifierRange } from '../core/range.ts';
import type { KernelSite } from '../errors.ts';
import type { IntervalHandle, NotifierHandle } from './handles.ts';
import type { KernelDiagnostic } from './types.ts';

/** Thrown through the wasm frames when the kernel's code would sleep forever. */
export class WouldSleepSignal {
  constructor(
    readonly site: KernelSite,
    readonly depth: number,
  ) {}
}

/** Thrown through the wasm frames at a BUG_ON. */
export class BugSignal {
  constructor(readonly site: KernelSite) {}
}

/** What the imports need of the core. Internal to `src/kernel`. */
export interface ImportHost {
  readonly depth: number;
  cString(ptr: number): string;
  notifier(id: number): NotifierHandle;
  interval(id: number): IntervalHandle;
  rangeAt(ptr: number, start: number, end: number, flags: number, event: number): MmuNotifierRange;
  allocShared(key: number): number;
  freeShared(id: number): void;
  diagnostic(d: KernelDiagnostic): void;
}

/** Builds a frozen range for a pointer the host did not create (the release walk's). */
export function foreignRange(
  start: number,
  end: number,
  flags: number,
  event: number,
): MmuNotifierRange {
  return Object.freeze({
    start: start >>> 0,
    end: end >>> 0,
    event: MMU_NOTIFY_EVENTS[event] ?? 'unmap',
    blockable: (flags & 1) !== 0,
  });
}

function startValue(ret: unknown, name: string): number {
  if (ret === undefined) return 0;
  if (typeof ret !== 'number' || !Number.isInteger(ret)) {
    throw new TypeError(`invalidateRangeStart of '${name}' returned ${String(ret)}, not an int`);
  }
  return ret;
}

/** The `env` imports of one instance. */
export function hostImports(
  host: ImportHost,
): Record<string, (...args: number[]) => number | void> {
  const site = (file: number, line: number, cond: number): KernelSite => ({
    file: host.cString(file),
    line,
    condition: host.cString(cond),
  });
  return {
    kshim_warn(file, line, cond, bug) {
      const s = site(file!, line!, cond!);
      host.diagnostic({ kind: bug ? 'bug' : 'warn', ...s });
      if (bug) throw new BugSignal(s);
    },
    kshim_would_sleep(file, line, what) {
      throw new WouldSleepSignal(site(file!, line!, what!), host.depth);
    },
    host_release(id) {
      const n = host.notifier(id!);
      n.ops.release?.(n);
    },
    host_start(id, ptr, start, end, flags, event) {
      const n = host.notifier(id!);
      const range = host.rangeAt(ptr!, start!, end!, flags!, event!);
      return startValue(n.ops.invalidateRangeStart?.(n, range), n.name);
    },
    host_end(id, ptr, start, end, flags, event) {
      const n = host.notifier(id!);
      n.ops.invalidateRangeEnd?.(n, host.rangeAt(ptr!, start!, end!, flags!, event!));
    },
    host_young(id, which, start, end) {
      const n = host.notifier(id!);
      const s = start! >>> 0;
      const e = end! >>> 0;
      if (which === 0) return n.ops.clearFlushYoung?.(n, s, e) ? 1 : 0;
      if (which === 1) return n.ops.clearYoung?.(n, s, e) ? 1 : 0;
      return n.ops.testYoung?.(n, s) ? 1 : 0;
    },
    host_secondary_tlbs(id, start, end) {
      const n = host.notifier(id!);
      n.ops.archInvalidateSecondaryTlbs?.(n, start! >>> 0, end! >>> 0);
    },
    host_alloc_notifier(key) {
      return host.allocShared(key!);
    },
    host_free_notifier(id) {
      host.freeShared(id!);
    },
    host_invalidate(id, ptr, start, end, flags, event, curSeq) {
      const sub = host.interval(id!);
      const range = host.rangeAt(ptr!, start!, end!, flags!, event!);
      return sub.ops.invalidate(sub, range, curSeq! >>> 0) ? 1 : 0;
    },
  };
}
