/**
 * The two runs of the differential test (`semantics.differential.test.ts`): the same calls on
 * two address spaces of different semantics (a versioned kernel and `current`, or 6.1 and
 * 6.12), with the same scripted callbacks, observed after
 * every command (callbacks called, the start's return, seq and active count, waiters woken).
 * Each side also notes which rows of docs/semantics.md the command triggered, from its own
 * callbacks: a failing start, a throw, a subscription change while a range is open.
 */

import { AddressSpace } from '../../src/core/address-space.ts';
import type {
  MmuIntervalNotifier,
  MmuIntervalNotifierOps,
  MmuNotifier,
  MmuNotifierOps,
} from '../../src/core/ops.ts';
import { EAGAIN, type MmuNotifierRange, type Semantics } from '../../src/core/range.ts';

/** What one callback does in one invalidation. */
export type Outcome = 'ok' | 'fail' | 'throw' | 'async';

/** The rows of docs/semantics.md a command can trigger (their anchors there). */
export type Row =
  | 'nonblock-failure-ends'
  | 'failing-start-with-end'
  | 'itree-on-list-failure'
  | 'blockable-failure'
  | 'throw-in-start'
  | 'register-in-flight'
  | 'first-interval-in-flight'
  | 'unregister-in-flight'
  | 'end-without-start';

/** What one side showed after one command. */
export interface Observation {
  readonly calls: readonly string[];
  readonly ret: string;
  readonly seq: number;
  readonly active: number;
  readonly woken: readonly string[];
}

interface Data {
  readonly id: number;
  readonly hasEnd: boolean;
}

/** One side: an address space with scripted subscribers. */
export class Side {
  readonly mm: AddressSpace;
  readonly log: string[] = [];
  readonly rows = new Set<Row>();
  readonly subs: MmuNotifier<Data>[] = [];
  readonly intervals: MmuIntervalNotifier<Data>[] = [];
  readonly open: MmuNotifierRange[] = [];
  readonly #woken = new Set<string>();
  #outcomes: readonly Outcome[] = ['ok'];
  #ever = false;

  constructor(semantics: Semantics) {
    this.mm = new AddressSpace({ semantics, name: semantics, onDiagnostic: () => {} });
  }

  #outcome(id: number): Outcome {
    return this.#outcomes[id % this.#outcomes.length]!;
  }

  #listOps(hasStart: boolean, hasEnd: boolean): MmuNotifierOps<Data> {
    const ops: MmuNotifierOps<Data> = {};
    if (hasStart) {
      ops.invalidateRangeStart = (sub, range) => {
        this.log.push(`start:${sub.data.id}`);
        const o = this.#outcome(sub.data.id);
        if (o === 'throw') {
          this.rows.add('throw-in-start');
          throw new Error(`start ${sub.data.id}`);
        }
        if (o === 'ok') return 0;
        if (o === 'async' && range.blockable) return Promise.resolve(0);
        if (range.blockable) this.rows.add('blockable-failure');
        else this.rows.add('nonblock-failure-ends').add('itree-on-list-failure');
        if (sub.data.hasEnd) this.rows.add('failing-start-with-end');
        return o === 'async' ? Promise.resolve(0) : EAGAIN;
      };
    }
    if (hasEnd) ops.invalidateRangeEnd = (sub) => void this.log.push(`end:${sub.data.id}`);
    return ops;
  }

  #intervalOps(twoPass: boolean): MmuIntervalNotifierOps<Data> {
    const answer = (sub: MmuIntervalNotifier<Data>, r: MmuNotifierRange, seq: number) => {
      this.log.push(`inv:${sub.data.id}`);
      sub.setSeq(seq);
      const o = this.#outcome(sub.data.id + 1);
      if (o === 'throw') throw new Error(`interval ${sub.data.id}`);
      const ok = twoPass ? { id: sub.data.id } : true;
      if (o === 'async' && r.blockable) return Promise.resolve(ok);
      return o === 'ok' ? ok : false;
    };
    if (!twoPass) return { invalidate: (sub, r, seq) => answer(sub, r, seq) as boolean };
    return {
      invalidateStart: (sub, r, seq) => answer(sub, r, seq) as object,
      invalidateFinish: (_sub, f) => void this.log.push(`finish:${(f as Data).id}`),
    };
  }

  register(id: number, hasStart: boolean, hasEnd: boolean): void {
    if (this.open.length > 0) this.rows.add('register-in-flight');
    const ops = this.#listOps(hasStart, hasEnd);
    this.subs.push(this.mm.register(ops, { data: { id, hasEnd } }));
  }

  async unregister(pick: number): Promise<string> {
    if (this.subs.length === 0) return 'none';
    if (this.open.length > 0) this.rows.add('unregister-in-flight');
    const [sub] = this.subs.splice(pick % this.subs.length, 1);
    await this.mm.unregister(sub!);
    return 'ok';
  }

  insert(id: number, start: number, length: number, twoPass: boolean): void {
    if (!this.#ever && this.open.length > 0) this.rows.add('first-interval-in-flight');
    this.#ever = true;
    const ops = this.#intervalOps(twoPass);
    this.intervals.push(
      this.mm.insertInterval(start, length, ops, { data: { id, hasEnd: false } }),
    );
  }

  /** Starts a removal or a readBegin; its wake-up shows in a later observation. */
  wait(pick: number, remove: boolean, label: string): string {
    if (this.intervals.length === 0) return 'none';
    const i = pick % this.intervals.length;
    const iv = this.intervals[i]!;
    if (remove) this.intervals.splice(i, 1);
    void (remove ? iv.remove() : iv.readBegin()).then(() => this.#woken.add(label));
    return 'ok';
  }

  async start(range: MmuNotifierRange, outcomes: readonly Outcome[]): Promise<string> {
    this.#outcomes = outcomes;
    try {
      if (range.blockable) await this.mm.invalidateRangeStart(range);
      else {
        const ret = this.mm.invalidateRangeStartNonblock(range);
        if (ret !== 0) return String(ret);
      }
    } catch {
      return 'throw';
    }
    this.open.push(range);
    return '0';
  }

  async end(pick: number): Promise<string> {
    if (this.open.length === 0) return 'none';
    const [r] = this.open.splice(pick % this.open.length, 1);
    await this.mm.invalidateRangeEnd(r!);
    return 'ok';
  }

  async strayEnd(range: MmuNotifierRange): Promise<string> {
    this.rows.add('end-without-start');
    await this.mm.invalidateRangeEnd(range);
    return 'ok';
  }

  /** What this side showed since the last observation. */
  async observe(ret: string): Promise<Observation> {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    return {
      calls: this.log.splice(0),
      ret,
      seq: this.mm.invalidateSeq,
      active: this.mm.activeInvalidateRanges,
      woken: [...this.#woken].sort(),
    };
  }
}
