/**
 * Test helpers for the core's tests: a recording notifier whose start answers are scripted,
 * and an address space that collects its diagnostics.
 */

import { AddressSpace, type AddressSpaceOptions } from '../../src/core/address-space.ts';
import type { Diagnostic } from '../../src/core/diagnostics.ts';
import type { MmuNotifier, MmuNotifierOps } from '../../src/core/ops.ts';
import type { MmuNotifierRange } from '../../src/core/range.ts';

/** An address space whose diagnostics land in `diagnostics`. */
export function space(options: AddressSpaceOptions = {}): {
  mm: AddressSpace;
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const mm = new AddressSpace({ ...options, onDiagnostic: (d) => diagnostics.push(d) });
  return { mm, diagnostics };
}

/** What a scripted start does: return a value, throw, or return a Promise of a value. */
export type StartScript = number | undefined | 'throw' | { readonly async: number | undefined };

/** A list notifier that logs `start:NAME` / `end:NAME` and answers from `script`. */
export interface Recorder {
  readonly sub: MmuNotifier<unknown>;
  readonly ops: MmuNotifierOps;
  /** Successful starts minus ends: 0 when paired. */
  open: number;
  /** Set what the next starts do. */
  script: StartScript;
}

/** Registers a recording notifier named `name`, logging into `log`. */
export function recorder(
  mm: AddressSpace,
  name: string,
  log: string[],
  options: { readonly end?: boolean } = {},
): Recorder {
  const r = { open: 0, script: 0 as StartScript } as Recorder & { sub: MmuNotifier<unknown> };
  const ops: MmuNotifierOps = {
    invalidateRangeStart(_sub, _range: MmuNotifierRange) {
      log.push(`start:${name}`);
      const script = r.script;
      if (script === 'throw') throw new Error(`${name} threw`);
      if (typeof script === 'object') {
        return Promise.resolve().then(() => {
          if (script.async === undefined || script.async === 0) r.open++;
          return script.async;
        });
      }
      if (script === undefined || script === 0) r.open++;
      return script;
    },
  };
  if (options.end !== false) {
    ops.invalidateRangeEnd = () => {
      log.push(`end:${name}`);
      r.open--;
    };
  }
  (r as { ops: MmuNotifierOps }).ops = ops;
  r.sub = mm.register(ops, { name });
  return r;
}

/** A fresh range object. */
export function range(start: number, end: number, blockable: boolean): MmuNotifierRange {
  return { start, end, event: 'unmap', blockable };
}

/** A callback that logs `entry` and answers `answer`. */
export function logged<T>(log: string[], entry: string, answer: T): () => T {
  return () => {
    log.push(entry);
    return answer;
  };
}
