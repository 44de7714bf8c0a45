/**
 * The TS side of the differential: `AddressSpace` under one semantics, with the scripted
 * subscribers of `sides.ts`. A Promise that has not settled once the event loop turned is a
 * would-sleep (the default scheduler resolves everything that can complete by then); one
 * that rejects is `error:<name>`, never a sleep.
 */

import { AddressSpace } from '../../src/core/address-space.ts';
import type { MmuIntervalNotifier, MmuNotifier, MmuNotifierOps } from '../../src/core/ops.ts';
import type { MmuNotifierRange, Semantics } from '../../src/core/range.ts';
import {
  type Answer,
  describe,
  type IntervalMode,
  intervalAnswer,
  type NotifierSpec,
  refusable,
  type Side,
  SLEEPS,
  said,
  startAnswer,
  tsWarnClass,
} from './sides.ts';

/** Resolves to the value, or to SLEEPS when the promise has not settled once the event loop turned. */
async function settle(p: Promise<unknown>): Promise<Answer> {
  let state: Answer | null = null;
  p.then(
    (v) => void (state = v === undefined ? 'ok' : String(v)),
    (e: unknown) => void (state = `error:${e instanceof Error ? e.name : String(e)}`),
  );
  await new Promise<void>((r) => setImmediate(r));
  if (state !== null) return state;
  return SLEEPS;
}

/** The TypeScript core under one semantics. */
export class TsSide implements Side {
  readonly log: string[] = [];
  readonly warns: string[] = [];
  readonly mm: AddressSpace;
  readonly #subs = new Map<string, MmuNotifier<string>>();
  readonly #intervals = new Map<string, MmuIntervalNotifier<string>>();
  readonly #shared = new Map<number, MmuNotifierOps<string>>();
  #nextGet = '';

  constructor(semantics: Semantics) {
    this.mm = new AddressSpace({
      semantics,
      onDiagnostic: (d) => {
        const c = tsWarnClass(d);
        if (c !== null) this.warns.push(c);
      },
    });
  }

  #ops(spec: NotifierSpec, shared: boolean): MmuNotifierOps<string> {
    const log = this.log;
    const ops: MmuNotifierOps<string> = {};
    if (spec.start !== 'none') {
      const mode = spec.start;
      ops.invalidateRangeStart = (s, r) => {
        log.push(`start ${s.data} ${describe(r)}`);
        return startAnswer(mode, r);
      };
    }
    if (spec.end) ops.invalidateRangeEnd = (s, r) => void log.push(`end ${s.data} ${describe(r)}`);
    if (spec.release) ops.release = (s) => void log.push(`release ${s.data}`);
    const [cfy, cy, ty] = spec.young;
    if (cfy !== undefined)
      ops.clearFlushYoung = (s, _m, a, b) => said(log, `cfy ${s.data} ${a}-${b}`, cfy);
    if (cy !== undefined) ops.clearYoung = (s, _m, a, b) => said(log, `cy ${s.data} ${a}-${b}`, cy);
    if (ty !== undefined) ops.testYoung = (s, _m, a) => said(log, `ty ${s.data} ${a}`, ty);
    if (spec.tlbs)
      ops.archInvalidateSecondaryTlbs = (s, _m, a, b) => void log.push(`tlbs ${s.data} ${a}-${b}`);
    if (shared) {
      ops.allocNotifier = () => this.#nextGet;
      ops.freeNotifier = (s) => void log.push(`free ${s.data}`);
    }
    return ops;
  }

  async register(label: string, spec: NotifierSpec): Promise<Answer> {
    return refusable(() => {
      const ops = this.#ops(spec, false);
      this.#subs.set(label, this.mm.register(ops, { name: label, data: label }));
      return 'ok';
    });
  }
  async unregister(label: string): Promise<Answer> {
    return settle(this.mm.unregister(this.#subs.get(label)!));
  }
  async get(label: string, key: number, spec: NotifierSpec): Promise<Answer> {
    let ops = this.#shared.get(key);
    if (ops === undefined) this.#shared.set(key, (ops = this.#ops(spec, true)));
    this.#nextGet = label;
    const o = ops;
    return refusable(() => {
      const sub = this.mm.get(o, { name: label });
      this.#subs.set(sub.data, sub);
      return sub.data;
    });
  }
  async put(label: string): Promise<Answer> {
    this.mm.put(this.#subs.get(label)!);
    return 'ok';
  }
  async synchronize(): Promise<Answer> {
    return settle(this.mm.synchronize());
  }
  async insert(label: string, start: number, length: number, mode: IntervalMode): Promise<Answer> {
    const log = this.log;
    const sub = this.mm.insertInterval(
      start,
      length,
      {
        invalidate: (s, r, seq) => {
          log.push(`invalidate ${s.data} ${describe(r)} seq=${seq}`);
          const ok = intervalAnswer(mode, r);
          if (ok) s.setSeq(seq);
          return ok;
        },
      },
      { name: label, data: label },
    );
    this.#intervals.set(label, sub);
    return 'ok';
  }
  async remove(label: string): Promise<Answer> {
    return settle(this.#intervals.get(label)!.remove());
  }
  async readBegin(label: string): Promise<Answer> {
    return settle(this.#intervals.get(label)!.readBegin());
  }
  async readRetry(label: string, seq: number): Promise<Answer> {
    return String(this.#intervals.get(label)!.readRetry(seq));
  }
  async start(range: MmuNotifierRange): Promise<Answer> {
    if (!range.blockable) return String(this.mm.invalidateRangeStartNonblock(range));
    return settle(Promise.resolve(this.mm.invalidateRangeStart(range)));
  }
  async end(range: MmuNotifierRange): Promise<Answer> {
    return settle(Promise.resolve(this.mm.invalidateRangeEnd(range)));
  }
  async release(): Promise<Answer> {
    return settle(this.mm.release());
  }
  async young(which: 0 | 1 | 2, start: number, end: number): Promise<Answer> {
    if (which === 0) return String(this.mm.clearFlushYoung(start, end));
    if (which === 1) return String(this.mm.clearYoung(start, end));
    return String(this.mm.testYoung(start));
  }
  async tlbs(start: number, end: number): Promise<Answer> {
    this.mm.archInvalidateSecondaryTlbs(start, end);
    return 'ok';
  }
  probe(): { seq: number; active: number } {
    return { seq: this.mm.invalidateSeq, active: this.mm.activeInvalidateRanges };
  }
}
