/**
 * The real side of the differential: `RealKernelCore` of one version, with the scripted
 * subscribers of `sides.ts`. A `KernelWouldSleepError` is the answer `would-sleep`.
 */

import type { MmuNotifierRange } from '../../src/core/range.ts';
import { KernelWouldSleepError } from '../../src/errors.ts';
import { RealKernelCore } from '../../src/kernel/real-core.ts';
import type { RealInterval, RealNotifier, RealNotifierOps } from '../../src/kernel/types.ts';
import {
  type Answer,
  describe,
  type IntervalMode,
  intervalAnswer,
  type NotifierSpec,
  realWarnClass,
  refusable,
  type Side,
  SLEEPS,
  said,
  startAnswer,
} from './sides.ts';

/** Runs a real call; a would-sleep is an answer, not an error. */
function real(fn: () => unknown): Promise<Answer> {
  try {
    const v = fn();
    return Promise.resolve(v === undefined ? 'ok' : String(v));
  } catch (error) {
    if (error instanceof KernelWouldSleepError) return Promise.resolve(SLEEPS);
    return Promise.reject(error);
  }
}

/** The real kernel's code of one version. */
export class RealSide implements Side {
  readonly log: string[] = [];
  readonly warns: string[] = [];
  readonly core: RealKernelCore;
  readonly #subs = new Map<string, RealNotifier>();
  readonly #labels = new Map<number, string>();
  readonly #intervals = new Map<string, RealInterval>();
  readonly #shared = new Map<number, RealNotifierOps>();
  #nextGet = '';

  constructor(series: string) {
    this.core = new RealKernelCore(series, {
      takeAllLocks: 'proceeds',
      onDiagnostic: (d) => {
        const c = realWarnClass(d);
        if (c !== null) this.warns.push(c);
      },
    });
  }

  #label(s: RealNotifier): string {
    return this.#labels.get(s.id) ?? s.name; // a get's subscription is named by its label
  }

  #ops(spec: NotifierSpec, shared: boolean): RealNotifierOps {
    const log = this.log;
    const ops: RealNotifierOps = {};
    if (spec.start !== 'none') {
      const mode = spec.start;
      ops.invalidateRangeStart = (s, r) => {
        log.push(`start ${this.#label(s)} ${describe(r)}`);
        return startAnswer(mode, r);
      };
    }
    if (spec.end)
      ops.invalidateRangeEnd = (s, r) => void log.push(`end ${this.#label(s)} ${describe(r)}`);
    if (spec.release) ops.release = (s) => void log.push(`release ${this.#label(s)}`);
    const [cfy, cy, ty] = spec.young;
    if (cfy !== undefined)
      ops.clearFlushYoung = (s, a, b) => said(log, `cfy ${this.#label(s)} ${a}-${b}`, cfy);
    if (cy !== undefined)
      ops.clearYoung = (s, a, b) => said(log, `cy ${this.#label(s)} ${a}-${b}`, cy);
    if (ty !== undefined) ops.testYoung = (s, a) => said(log, `ty ${this.#label(s)} ${a}`, ty);
    if (spec.tlbs)
      ops.archInvalidateSecondaryTlbs = (s, a, b) =>
        void log.push(`tlbs ${this.#label(s)} ${a}-${b}`);
    if (shared) ops.freeNotifier = (s) => void log.push(`free ${this.#label(s)}`);
    return ops;
  }

  register(label: string, spec: NotifierSpec): Promise<Answer> {
    return real(() =>
      refusable(() => {
        const sub = this.core.register(this.#ops(spec, false), { name: label });
        this.#labels.set(sub.id, label);
        this.#subs.set(label, sub);
        return 'ok';
      }),
    );
  }
  unregister(label: string): Promise<Answer> {
    return real(() => this.core.unregister(this.#subs.get(label)!));
  }
  get(label: string, key: number, spec: NotifierSpec): Promise<Answer> {
    let ops = this.#shared.get(key);
    if (ops === undefined) this.#shared.set(key, (ops = this.#ops(spec, true)));
    const o = ops;
    this.#nextGet = label;
    return real(() =>
      refusable(() => {
        const sub = this.core.get(o, { name: label });
        if (!this.#labels.has(sub.id)) this.#labels.set(sub.id, this.#nextGet);
        const got = this.#label(sub);
        this.#subs.set(got, sub);
        return got;
      }),
    );
  }
  put(label: string): Promise<Answer> {
    return real(() => this.core.put(this.#subs.get(label)!));
  }
  synchronize(): Promise<Answer> {
    return real(() => this.core.synchronize());
  }
  insert(label: string, start: number, length: number, mode: IntervalMode): Promise<Answer> {
    const log = this.log;
    return real(() => {
      const sub = this.core.insertInterval(
        start,
        length,
        {
          invalidate: (s, r, seq) => {
            log.push(`invalidate ${s.name} ${describe(r)} seq=${seq}`);
            const ok = intervalAnswer(mode, r);
            if (ok) s.setSeq(seq);
            return ok;
          },
        },
        { name: label },
      );
      this.#intervals.set(label, sub);
    });
  }
  remove(label: string): Promise<Answer> {
    return real(() => this.#intervals.get(label)!.remove());
  }
  readBegin(label: string): Promise<Answer> {
    return real(() => this.#intervals.get(label)!.readBegin());
  }
  readRetry(label: string, seq: number): Promise<Answer> {
    return real(() => this.#intervals.get(label)!.readRetry(seq));
  }
  start(range: MmuNotifierRange): Promise<Answer> {
    if (!range.blockable) return real(() => this.core.invalidateRangeStartNonblock(range));
    return real(() => this.core.invalidateRangeStart(range));
  }
  end(range: MmuNotifierRange): Promise<Answer> {
    return real(() => this.core.invalidateRangeEnd(range));
  }
  release(): Promise<Answer> {
    return real(() => this.core.release());
  }
  young(which: 0 | 1 | 2, start: number, end: number): Promise<Answer> {
    if (which === 0) return real(() => this.core.clearFlushYoung(start, end));
    if (which === 1) return real(() => this.core.clearYoung(start, end));
    return real(() => this.core.testYoung(start));
  }
  tlbs(start: number, end: number): Promise<Answer> {
    return real(() => this.core.archInvalidateSecondaryTlbs(start, end));
  }
  probe(): { seq: number; active: number } {
    return { seq: this.core.invalidateSeq, active: this.core.activeInvalidateRanges };
  }
}
