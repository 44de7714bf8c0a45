/**
 * The real system and the reference model of `address-space.model.test.ts`.
 * The model re-states the rules plainly: `mn_itree_inv_start_range` (active++, seq |= 1 on
 * overlap), `mn_itree_inv_end` (last one: seq++, apply deferred newest first), insert and
 * remove (deferred while the seq is odd), and `current`'s pairing (end exactly the recorded
 * successes that are still registered; unwind them on a failed call).
 */

import assert from 'node:assert/strict';
import { AddressSpace } from '../../src/core/address-space.ts';
import type { DiagnosticKind } from '../../src/core/diagnostics.ts';
import type {
  MmuIntervalNotifier,
  MmuIntervalNotifierOps,
  MmuNotifier,
  MmuNotifierOps,
} from '../../src/core/ops.ts';
import { EAGAIN, type MmuNotifierRange } from '../../src/core/range.ts';

/** What one callback does in one invalidation. */
export type Outcome = 'ok' | 'fail' | 'throw' | 'async';

interface Data {
  readonly id: number;
}
interface ModelSub {
  readonly id: number;
  readonly hasEnd: boolean;
  readonly sub: MmuNotifier<Data>;
  readonly table: number;
  users: number;
  listed: boolean;
}
interface ModelInterval {
  readonly id: number;
  readonly start: number;
  readonly last: number;
  readonly twoPass: boolean;
  readonly sub: MmuIntervalNotifier<Data>;
  order: number; // tree order among equal starts, -1 while not linked
}
interface ModelRange {
  readonly range: MmuNotifierRange;
  readonly started: readonly ModelSub[];
  itree: boolean;
}

/** The reference model. */
export interface Model {
  readonly subs: Map<number, ModelSub>; // pickable (live) subscriptions
  readonly intervals: Map<number, ModelInterval>; // pickable (not removed) intervals
  readonly tree: ModelInterval[]; // linked
  readonly deferred: { readonly iv: ModelInterval; readonly insert: boolean }[];
  readonly open: ModelRange[];
  readonly list: ModelSub[]; // head first
  readonly pendingFree: number[];
  readonly frees: number[];
  seq: number;
  active: number;
  order: number;
  hasItree: boolean;
}

const ALLOWED: ReadonlySet<DiagnosticKind> = new Set([
  'fail-in-blockable',
  'failing-start-with-end',
  'callback-threw',
  'sleep-in-nonblock',
]);

/** The real address space, the model, and the comparison after each step. */
export class Harness {
  readonly model: Model = {
    subs: new Map(),
    intervals: new Map(),
    tree: [],
    deferred: [],
    open: [],
    list: [],
    pendingFree: [],
    frees: [],
    seq: 2,
    active: 0,
    order: 0,
    hasItree: false,
  };
  readonly mm: AddressSpace;
  readonly log: string[] = [];
  readonly removals: Promise<void>[] = [];
  outcomes: readonly Outcome[] = ['ok'];
  #ids = 0;
  readonly #tables: MmuNotifierOps<Data>[];

  constructor() {
    this.mm = new AddressSpace({
      name: 'model',
      onDiagnostic: (d) => assert.ok(ALLOWED.has(d.kind), `unexpected diagnostic ${d.message}`),
    });
    this.#tables = [0, 1].map(() => this.#listOps(true, true));
  }

  #outcome(id: number): Outcome {
    return this.outcomes[id % this.outcomes.length]!;
  }

  #listOps(hasEnd: boolean, shared: boolean): MmuNotifierOps<Data> {
    const ops: MmuNotifierOps<Data> = {
      invalidateRangeStart: (sub) => {
        this.log.push(`start:${sub.data.id}`);
        const o = this.#outcome(sub.data.id);
        if (o === 'throw') throw new Error(`start ${sub.data.id}`);
        if (o === 'async') return Promise.resolve(0);
        return o === 'ok' ? 0 : EAGAIN;
      },
    };
    if (hasEnd) ops.invalidateRangeEnd = (sub) => void this.log.push(`end:${sub.data.id}`);
    if (shared) {
      ops.allocNotifier = () => ({ id: ++this.#ids });
      ops.freeNotifier = (sub) => void this.log.push(`free:${sub.data.id}`);
    }
    return ops;
  }

  #intervalOps(twoPass: boolean): MmuIntervalNotifierOps<Data> {
    const answer = (sub: MmuIntervalNotifier<Data>, curSeq: number): unknown => {
      this.log.push(`inv:${sub.data.id}`);
      sub.setSeq(curSeq);
      const o = this.#outcome(sub.data.id + 3);
      if (o === 'throw') throw new Error(`interval ${sub.data.id}`);
      const ok = twoPass ? { id: sub.data.id } : true;
      if (o === 'async') return Promise.resolve(ok);
      return o === 'ok' ? ok : false;
    };
    if (!twoPass) return { invalidate: (sub, _r, seq) => answer(sub, seq) as boolean };
    return {
      invalidateStart: (sub, _r, seq) => answer(sub, seq) as object,
      invalidateFinish: (_sub, f) => void this.log.push(`finish:${(f as Data).id}`),
    };
  }

  register(hasEnd: boolean): void {
    const id = ++this.#ids;
    const sub = this.mm.register(this.#listOps(hasEnd, false), { data: { id } });
    const ms: ModelSub = { id, hasEnd, sub, table: -1, users: 1, listed: true };
    this.model.subs.set(id, ms);
    this.model.list.unshift(ms);
    this.#compare([]);
  }

  get(table: number): void {
    const sub = this.mm.get(this.#tables[table]!);
    const m = this.model;
    const found = m.list.find((s) => s.table === table);
    if (found !== undefined) {
      found.users++;
      assert.equal(sub, found.sub);
    } else {
      const ms: ModelSub = { id: sub.data.id, hasEnd: true, sub, table, users: 1, listed: true };
      m.subs.set(ms.id, ms);
      m.list.unshift(ms);
    }
    this.#compare([]);
  }

  async unsubscribe(pick: number, viaPut: boolean): Promise<void> {
    const m = this.model;
    const ms = [...m.subs.values()][pick % m.subs.size]!;
    const unlink = () => {
      ms.listed = false;
      m.subs.delete(ms.id);
      m.list.splice(m.list.indexOf(ms), 1);
    };
    if (viaPut) {
      this.mm.put(ms.sub);
      if (--ms.users === 0) {
        unlink();
        if (ms.table >= 0) m.pendingFree.push(ms.id);
      }
      return this.#compare([]);
    }
    await this.mm.unregister(ms.sub);
    unlink();
    this.#compare(this.#freePending());
  }

  #freePending(): string[] {
    const m = this.model;
    const freed = m.pendingFree.splice(0);
    m.frees.push(...freed);
    return freed.map((id) => `free:${id}`);
  }

  insert(start: number, length: number, twoPass: boolean): void {
    const id = ++this.#ids;
    const sub = this.mm.insertInterval(start, length, this.#intervalOps(twoPass), { data: { id } });
    const m = this.model;
    if (!m.hasItree) {
      // The first interval: ranges open since before it are counted now (ours).
      m.hasItree = true;
      for (const r of m.open) {
        r.itree = true;
        m.active++;
      }
    }
    const iv: ModelInterval = { id, start, last: start + length - 1, twoPass, sub, order: -1 };
    m.intervals.set(id, iv);
    if (m.active > 0 && m.seq % 2 === 1) m.deferred.push({ iv, insert: true });
    else {
      if (m.active > 0) m.seq |= 1;
      this.#link(iv);
    }
    this.#compare([]);
  }

  #link(iv: ModelInterval): void {
    iv.order = this.model.order++;
    this.model.tree.push(iv);
  }

  remove(pick: number): void {
    const m = this.model;
    const iv = [...m.intervals.values()][pick % m.intervals.size]!;
    m.intervals.delete(iv.id);
    this.removals.push(iv.sub.remove());
    if (m.seq % 2 === 1) {
      const i = m.deferred.findIndex((d) => d.iv === iv && d.insert);
      if (i >= 0) m.deferred.splice(i, 1);
      else m.deferred.push({ iv, insert: false });
    } else {
      m.tree.splice(m.tree.indexOf(iv), 1);
    }
    this.#compare([]);
  }

  #invEnd(): void {
    const m = this.model;
    m.active--;
    if (m.active !== 0 || m.seq % 2 === 0) return;
    m.seq++;
    for (const d of m.deferred.splice(0).reverse()) {
      if (d.insert) this.#link(d.iv);
      else m.tree.splice(m.tree.indexOf(d.iv), 1);
    }
  }

  /** The model's itree part; returns the expected log and whether it stopped (and threw). */
  #predictItree(range: MmuNotifierRange, expected: string[]): 'go' | 'eagain' | 'throw' {
    const m = this.model;
    m.active++;
    const hits = m.tree
      .filter((iv) => iv.start <= range.end - 1 && range.start <= iv.last)
      .sort((a, b) => a.start - b.start || a.order - b.order);
    if (hits.length > 0) m.seq |= 1;
    const finishes: number[] = [];
    let stop: 'go' | 'eagain' | 'throw' = 'go';
    for (const iv of hits) {
      expected.push(`inv:${iv.id}`);
      const o = this.#outcome(iv.id + 3);
      if (o === 'throw') stop = 'throw';
      else if (o === 'fail' || (o === 'async' && !range.blockable)) {
        if (!range.blockable) stop = 'eagain';
      } else if (iv.twoPass) finishes.push(iv.id);
      if (stop !== 'go') break;
    }
    for (const id of finishes) expected.push(`finish:${id}`);
    if (stop !== 'go') this.#invEnd();
    return stop;
  }

  async start(range: MmuNotifierRange, outcomes: readonly Outcome[]): Promise<void> {
    this.outcomes = outcomes;
    const m = this.model;
    const expected: string[] = [];
    const itree = m.hasItree; // has_itree, read at start
    let predicted: 'ok' | 'eagain' | 'throw' = 'ok';
    const stop = itree ? this.#predictItree(range, expected) : 'go';
    if (stop !== 'go') predicted = stop;
    else {
      const started: ModelSub[] = [];
      let failed = false;
      let threw = false;
      for (const ms of m.list) {
        expected.push(`start:${ms.id}`);
        const o = this.#outcome(ms.id);
        if (o === 'throw') threw = true;
        else if (o === 'fail' || (o === 'async' && !range.blockable)) failed = true;
        else started.push(ms);
      }
      if (threw || (failed && !range.blockable)) {
        for (const ms of started) if (ms.hasEnd) expected.push(`end:${ms.id}`);
        if (itree) this.#invEnd();
        predicted = threw ? 'throw' : 'eagain';
      } else m.open.push({ range, started, itree });
    }
    let actual: 'ok' | 'eagain' | 'throw';
    try {
      if (range.blockable) {
        await this.mm.invalidateRangeStart(range);
        actual = 'ok';
      } else actual = this.mm.invalidateRangeStartNonblock(range) === 0 ? 'ok' : 'eagain';
    } catch {
      actual = 'throw';
    }
    assert.equal(actual, predicted);
    this.#compare(expected);
  }

  async end(pick: number): Promise<void> {
    const m = this.model;
    const [r] = m.open.splice(pick % m.open.length, 1);
    const expected: string[] = [];
    if (r!.itree) this.#invEnd();
    for (const ms of r!.started) if (ms.hasEnd && ms.listed) expected.push(`end:${ms.id}`);
    await this.mm.invalidateRangeEnd(r!.range);
    this.#compare(expected);
  }

  #compare(expected: readonly string[]): void {
    const m = this.model;
    assert.deepEqual(this.log.splice(0), expected);
    assert.equal(this.mm.invalidateSeq, m.seq, 'invalidate_seq');
    assert.equal(this.mm.activeInvalidateRanges, m.active, 'active_invalidate_ranges');
    assert.equal(this.mm.intervalCount, m.tree.length, 'linked intervals');
    assert.equal(this.mm.notifierCount, m.list.length, 'listed notifiers');
    assert.equal(this.mm.inFlightCount, m.open.length, 'open ranges');
    if (m.active === 0) {
      assert.equal(m.seq % 2, 0, 'idle: seq even');
      assert.equal(m.deferred.length, 0, 'idle: nothing deferred');
    }
  }

  /** Ends everything, unsubscribes everything, and checks that nothing leaked. */
  async cleanup(): Promise<void> {
    const m = this.model;
    while (m.open.length > 0) await this.end(0);
    await Promise.all(this.removals);
    while (m.intervals.size > 0) {
      this.remove(0);
      await this.removals.pop();
    }
    while (m.subs.size > 0) await this.unsubscribe(0, false);
    await this.mm.synchronize();
    assert.deepEqual(this.log.splice(0), this.#freePending());
    assert.equal(this.mm.notifierCount + this.mm.intervalCount + this.mm.inFlightCount, 0);
    assert.equal(new Set(m.frees).size, m.frees.length, 'each freeNotifier once');
  }
}
