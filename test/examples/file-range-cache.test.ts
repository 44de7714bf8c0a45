/**
 * Goal: the file range cache never returns bytes older than the last write that completed
 * before the read began, under random interleavings of concurrent reads and writes.
 * Method: fast-check generates operations and, for each, how many scheduling points the
 * source takes (`yieldNow`); all operations run concurrently; each byte of a write carries
 * the write's version, so a stale byte is one whose version is below the last completed
 * write of that byte when the read began. Writes are serialized by the cache (i_rwsem).
 */

import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { FileRangeCache } from '../../examples/file-range-cache.ts';
import { AddressSpace } from '../../src/core/address-space.ts';
import { yieldNow } from '../../src/sched/scheduler.ts';

const SIZE = 128;
const RUNS = Number(process.env['MMU_FC_RUNS'] ?? 200);

class SlowFile {
  readonly size = SIZE;
  readonly bytes = new Uint8Array(SIZE);
  constructor(readonly delays: () => number) {}
  async #pause(): Promise<void> {
    for (let i = this.delays(); i > 0; i--) await yieldNow();
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    await this.#pause();
    const copy = this.bytes.slice(offset, offset + length);
    await this.#pause();
    return copy;
  }
  async write(offset: number, data: Uint8Array): Promise<void> {
    await this.#pause();
    this.bytes.set(data, offset);
    await this.#pause();
  }
}

interface Op {
  readonly write: boolean;
  readonly offset: number;
  readonly length: number;
  readonly startAfter: number;
}

const opArb: fc.Arbitrary<Op> = fc
  .record({
    write: fc.boolean(),
    offset: fc.integer({ min: 0, max: SIZE - 1 }),
    length: fc.integer({ min: 1, max: 40 }),
    startAfter: fc.integer({ min: 0, max: 6 }),
  })
  .map((o) => ({ ...o, length: Math.min(o.length, SIZE - o.offset) }));

it('file-range-cache: no read returns bytes older than the last completed write', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 1, maxLength: 24 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 32 }),
      async (ops, delayList) => {
        let d = 0;
        const file = new SlowFile(() => delayList[d++ % delayList.length]!);
        const mm = new AddressSpace({ name: 'file' });
        const cache = new FileRangeCache(mm, file, 16);
        const completed = new Uint8Array(SIZE); // version of the last completed write per byte
        let version = 0;
        const run = async (op: Op) => {
          for (let i = 0; i < op.startAfter; i++) await yieldNow();
          if (op.write) {
            const v = ++version;
            await cache.write(op.offset, new Uint8Array(op.length).fill(v));
            for (let b = op.offset; b < op.offset + op.length; b++) {
              completed[b] = Math.max(completed[b]!, v);
            }
            return;
          }
          const floor = completed.slice(op.offset, op.offset + op.length);
          const got = await cache.read(op.offset, op.length);
          for (let i = 0; i < op.length; i++) {
            assert.ok(
              got[i]! >= floor[i]!,
              `byte ${op.offset + i}: read version ${got[i]} older than completed ${floor[i]}`,
            );
          }
        };
        await Promise.all(ops.map(run));
        const all = await cache.read(0, SIZE);
        assert.deepEqual(all, file.bytes, 'after quiescence the cache equals the file');
        await cache.close();
        assert.equal(mm.intervalCount, 0);
        assert.equal(mm.invalidateSeq % 2, 0);
      },
    ),
    { numRuns: RUNS },
  );
});

it('file-range-cache: a fill that collides with a write retries (deterministic)', async () => {
  let gate: () => void = () => {};
  const file = {
    size: 32,
    bytes: new Uint8Array(32),
    async read(offset: number, length: number) {
      const copy = this.bytes.slice(offset, offset + length);
      await new Promise<void>((resolve) => (gate = resolve));
      return copy;
    },
    async write(offset: number, data: Uint8Array) {
      this.bytes.set(data, offset);
    },
  };
  const mm = new AddressSpace();
  const cache = new FileRangeCache(mm, file, 16);
  const reading = cache.read(0, 16);
  await yieldNow();
  await yieldNow();
  await cache.write(0, new Uint8Array(16).fill(9));
  gate();
  await new Promise<void>((resolve) => setImmediate(resolve));
  gate();
  const got = await reading;
  assert.equal(got[0], 9);
  assert.equal(cache.retries, 1);
  await cache.close();
});
