/**
 * The driver developer's entry points of the kernel model (issue 14): `new Mm(as)` runs on
 * its address space's scheduler, and a mismatched one is refused with a typed error.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AddressSpace,
  check,
  defineScenario,
  EventLoopScheduler,
  InvalidArgumentError,
  Mm,
  PAGE_SIZE,
  RW,
  StateError,
} from '../../src/index.ts';

describe('new Mm(world.addressSpace())', () => {
  it("takes the address space's scheduler: its locks run under the checker", async () => {
    let controlled: boolean | undefined;
    const scenario = defineScenario({
      name: 'mm-default-scheduler',
      setup(world) {
        const mm = new Mm(world.addressSpace());
        controlled = mm.sched.controlled;
        world.spawn('t', async () => {
          await mm.mmapLock.readLock();
          mm.mmapLock.readUnlock();
        });
      },
    });
    const result = await check(scenario);
    assert.equal(result.ok, true);
    assert.equal(controlled, true);
  });

  it("refuses a scheduler that is not its address space's", () => {
    const as = new AddressSpace();
    assert.throws(
      () => new Mm(as, { scheduler: new EventLoopScheduler(), name: 'p' }),
      (e: unknown) =>
        e instanceof InvalidArgumentError && /new Mm\('p'\): its scheduler/.test(e.message),
    );
  });

  it('mmap and populate for setup; populate outside a VMA names the address in hex', () => {
    const mm = new Mm(new AddressSpace());
    mm.mmap(0x10000, PAGE_SIZE, { prot: RW });
    const pfn = mm.populate(0x10000, 7);
    assert.equal(mm.alloc.read(pfn), 7);
    assert.throws(
      () => mm.populate(0x20000, 1),
      (e: unknown) => e instanceof StateError && /0x20000/.test(e.message),
    );
  });
});
