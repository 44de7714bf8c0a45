/**
 * Goal: with a controlled scheduler the core writes the documented trace notes and records
 * an access for every critical section of the subscriptions lock; with the default one it
 * writes none; non-blockable callbacks run in atomic context.
 * Method: a recording scheduler that claims to be controlled and otherwise behaves as the
 * event loop.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AddressSpace } from '../../src/core/address-space.ts';
import { EAGAIN } from '../../src/core/range.ts';
import {
  EventLoopScheduler,
  type Op,
  type Scheduler,
  type TraceNote,
} from '../../src/sched/scheduler.ts';
import { range } from './helpers.ts';

/** Claims to be controlled (so the core traces) and parks through the event loop. */
class Controlled implements Scheduler {
  readonly controlled = true;
  readonly notes: string[] = [];
  readonly accesses: string[] = [];
  /** Every access, as `kind detail R|W obj` (for the reduction's kinds). */
  readonly ops: string[] = [];
  readonly #inner = new EventLoopScheduler();
  get atomicDepth(): number {
    return this.#inner.atomicDepth;
  }
  point(op: Op, ready?: () => boolean): Promise<void> {
    return this.#inner.point(op, ready);
  }
  access(op: Op): void {
    this.accesses.push(op.kind);
    this.ops.push(`${op.kind} ${op.detail ?? '-'} ${op.write ? 'W' : 'R'} ${op.obj}`);
  }
  kick(obj: number, max?: number): void {
    this.#inner.kick(obj, max);
  }
  annotate(note: TraceNote): void {
    this.notes.push(`${note.kind} ${note.name}`);
  }
  objectId(label: string): number {
    return this.#inner.objectId(label);
  }
  nonBlockStart(): void {
    this.#inner.nonBlockStart();
  }
  nonBlockEnd(): void {
    this.#inner.nonBlockEnd();
  }
}

describe('trace notes and accesses', () => {
  it('a start/end pair, a failure and a seq change are annotated', () => {
    const sched = new Controlled();
    const mm = new AddressSpace({ scheduler: sched, name: 'mm' });
    mm.register({ invalidateRangeStart: () => 0, invalidateRangeEnd() {} }, { name: 'A' });
    mm.insertInterval(0, 4096, { invalidate: () => true }, { name: 'I' });
    const r = range(0, 10, false);
    assert.equal(mm.invalidateRangeStartNonblock(r), 0);
    mm.invalidateRangeEnd(r);
    assert.deepEqual(sched.notes, [
      'interval.insert I',
      'seq mm',
      'interval.invalidate I',
      'notifier.start A',
      'seq mm',
      'notifier.end A',
    ]);
    assert.ok(sched.accesses.includes('mn.lock'));
    assert.ok(sched.accesses.includes('srcu.read_lock'));
  });

  it("read_begin reads the interval's seq and the core, and writes nothing", async () => {
    // The reduction counts on it (docs/architecture.md, "Reads"): read_begin's section is a
    // READ, and its read of the interval's seq is recorded on the object setSeq writes
    // (mmu_interval_set_seq runs outside the core's lock, from the driver's callback).
    const sched = new Controlled();
    const mm = new AddressSpace({ scheduler: sched, name: 'mm' });
    const sub = mm.insertInterval(0, 4096, { invalidate: () => true }, { name: 'I' });
    sched.ops.length = 0;
    const seq = await sub.readBegin();
    const reads = [...sched.ops];
    assert.ok(
      reads.some((o) => o.startsWith('mn.lock mmu_interval_read_begin R ')),
      reads.join(),
    );
    const seqRead = reads.find((o) => o.startsWith('interval.seq - R '));
    assert.ok(seqRead !== undefined, reads.join());
    assert.ok(
      reads.every((o) => o.includes(' R ')),
      reads.join(),
    );
    sched.ops.length = 0;
    sub.setSeq(seq + 2);
    const obj = seqRead.split(' ').at(-1);
    assert.ok(
      sched.ops.some((o) => o.includes(' W ') && o.endsWith(` ${obj}`)),
      sched.ops.join(),
    );
  });

  it('EAGAIN, a failing notifier, two-pass finishes, diagnostics and release are annotated', async () => {
    const sched = new Controlled();
    const mm = new AddressSpace({ scheduler: sched, name: 'mm' });
    mm.register({ invalidateRangeStart: () => EAGAIN, invalidateRangeEnd() {} }, { name: 'B' });
    mm.insertInterval(
      0,
      4096,
      { invalidateStart: () => ({}), invalidateFinish() {} },
      { name: 'G' },
    );
    assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), EAGAIN);
    await mm.release();
    assert.deepEqual(sched.notes, [
      'interval.insert G',
      'seq mm',
      'interval.invalidate G',
      'interval.finish G',
      'notifier.fail B',
      'diagnostic B',
      'seq mm',
      'eagain mm',
      'release mm',
      'seq mm',
      'interval.invalidate G',
      'interval.finish G',
      'seq mm',
    ]);
  });

  it('a controlled scheduler that records no trace (tracing false) gets the same accesses, no notes', async () => {
    class Untraced extends Controlled {
      readonly tracing = false;
    }
    const workload = async (sched: Controlled): Promise<void> => {
      const mm = new AddressSpace({ scheduler: sched, name: 'mm' });
      mm.register({ invalidateRangeStart: () => EAGAIN, invalidateRangeEnd() {} }, { name: 'B' });
      mm.register({ invalidateRangeStart: () => 0, invalidateRangeEnd() {} }, { name: 'A' });
      const i = mm.insertInterval(0, 4096, { invalidate: () => true }, { name: 'I' });
      mm.insertInterval(
        0,
        4096,
        { invalidateStart: () => ({}), invalidateFinish() {} },
        { name: 'G' },
      );
      const sub = await i;
      const seq = await sub.readBegin();
      assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), EAGAIN);
      sub.readRetry(seq);
      await mm.release();
    };
    const traced = new Controlled();
    const untraced = new Untraced();
    await workload(traced);
    await workload(untraced);
    assert.ok(traced.notes.length > 10);
    assert.deepEqual(untraced.notes, []);
    assert.deepEqual(untraced.ops, traced.ops);
  });

  it('the default scheduler gets no notes; callbacks of a non-blockable range run atomic', () => {
    const sched = new EventLoopScheduler();
    const depths: number[] = [];
    const mm = new AddressSpace({ scheduler: sched });
    mm.register({
      invalidateRangeStart: () => void depths.push(sched.atomicDepth),
      invalidateRangeEnd: () => void depths.push(sched.atomicDepth),
    });
    const nb = range(0, 10, false);
    mm.invalidateRangeStartNonblock(nb);
    mm.invalidateRangeEnd(nb);
    const b = range(0, 10, true);
    mm.invalidateRangeStart(b);
    mm.invalidateRangeEnd(b);
    assert.deepEqual(depths, [1, 1, 0, 0]);
    assert.equal(sched.atomicDepth, 0);
  });
});

describe('core state: an onDiagnostic hook that throws', () => {
  // Regression: the hook threw out of the middle of a walk, so the in-flight record was never
  // freed and invalidate_seq stayed odd: every later readBegin on the interval hung.
  // The error now surfaces as an uncaught exception (a child process, to see it) after the
  // core has finished the operation.
  it('leaves the core consistent and rethrows the error asynchronously', () => {
    const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
    const script = `
      import { AddressSpace, EAGAIN } from ${JSON.stringify(index)};
      const mm = new AddressSpace({ onDiagnostic: () => { throw new Error('hook threw'); } });
      mm.insertInterval(0, 4096, { invalidate: () => true });
      mm.register({ invalidateRangeStart: () => EAGAIN });
      const r = { start: 0, end: 10, event: 'unmap', blockable: true };
      mm.invalidateRangeStart(r); // synchronous callbacks: the whole pair runs before the throw
      mm.invalidateRangeEnd(r);
      console.log(JSON.stringify([mm.inFlightCount, mm.activeInvalidateRanges, mm.invalidateSeq % 2]));
    `;
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.stdout.trim(), '[0,0,0]', r.stderr);
    assert.match(r.stderr, /hook threw/);
    assert.equal(r.status, 1);
  });
});
