/**
 * `mmu-notifier init <name>`: writes `<name>.ts`, a starting scenario for a driver developer:
 * one process, a userptr-style driver (an interval notifier, a lock, a device page table, a
 * fault handler with the collision-retry loop) and a task racing it, under the model's
 * monitors. It imports only the public API, type-checks under `strict`, and
 * `mmu-notifier check <name>.ts` proves it as written. The guide,
 * `docs/writing-a-driver-scenario.md`, explains every line.
 *
 * Never overwrites: an existing file is a usage error, as is a name that is not a plain
 * file name.
 */

import { existsSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.ts';
import type { CliIo } from './commands.ts';
import { EXIT_OK } from './options.ts';

/** Longest scenario name `init` accepts. */
export const INIT_NAME_MAX = 64;

/** The starting scenario for `name` (see the module comment). */
export function initTemplate(name: string): string {
  return `/**
 * ${name}: a starting scenario for your driver (written by \`mmu-notifier init\`).
 * Run it:   npx mmu-notifier check ${name}.ts
 * Guide:    docs/writing-a-driver-scenario.md in the mmu-notifier package.
 *
 * Replace the driver below with yours: keep its shape (a lock, a device page table that the
 * monitors can read through \`mappings()\`, \`invalidate\` and \`fault\`), then add the tasks
 * that race it (munmap, madviseDontneed, mprotect, migratePage, oomReapTask, exitMmap...).
 */
import {
  defineScenario,
  EBUSY,
  hmmRangeFault,
  madviseDontneed,
  type Mirror,
  type MirrorMapping,
  type MmuNotifierRange,
  PAGE_SIZE,
  RW,
  settled,
  stage,
} from 'mmu-notifier';

const BUF = 0x100000; // the user buffer the device mirrors: one page

export default defineScenario({
  name: '${name}',
  setup(world) {
    const { mm, watch } = stage(world); // a process on the run's core, monitors installed
    mm.mmap(BUF, PAGE_SIZE, { prot: RW });
    mm.populate(BUF, 1);

    const lock = world.mutex('drv.lock'); // your driver's notifier lock
    const devicePt = new Map<number, MirrorMapping>(); // your device page table
    // On either core (--core typescript or linux-6.x) an insert in setup never waits: settled.
    const notifier = settled(mm.as.insertInterval(BUF, PAGE_SIZE, {
      invalidate(sub, range, curSeq) {
        const zap = (): boolean => {
          sub.setSeq(curSeq); // under the lock, before the device forgets the pages
          for (const addr of [...devicePt.keys()])
            if (addr >= range.start && addr < range.end) devicePt.delete(addr);
          lock.unlock();
          return true;
        };
        if (!range.blockable) return lock.tryLock() ? zap() : false;
        return lock.lock().then(zap);
      },
    }, { name: 'drv' }), 'insertInterval');
    const mirror: Mirror = {
      name: 'drv',
      attachEpoch: mm.epoch,
      mappings: () => devicePt.values(),
      isSubject: (r: MmuNotifierRange) => r.start <= notifier.last && notifier.start < r.end,
    };
    watch(mirror); // the monitors check the device page table after every step

    world.spawn('device-fault', async () => {
      for (let tries = 0; tries < 8; tries++) {
        const seq = await notifier.readBegin();
        await mm.mmapLock.readLock();
        const pfns = await hmmRangeFault(mm, {
          notifier, notifierSeq: seq, start: BUF, end: BUF + PAGE_SIZE, fault: true, write: false,
        });
        mm.mmapLock.readUnlock();
        if (pfns === EBUSY) continue;
        if (typeof pfns === 'number') throw new Error(\`hmmRangeFault: \${pfns}\`);
        await lock.lock();
        if (notifier.readRetry(seq)) { lock.unlock(); continue; } // collided: try again
        pfns.forEach((p, i) => {
          const addr = BUF + i * PAGE_SIZE;
          if (p.valid) devicePt.set(addr, { addr, pfn: p.pfn, writable: p.writable });
        });
        lock.unlock();
        return;
      }
      throw new Error('device-fault: too many retries');
    });
    world.spawn('madvise', () => madviseDontneed(mm, BUF, PAGE_SIZE));
  },
});
`;
}

/** `init <name>`: writes the starting scenario, never over an existing file. */
export function initCommand(io: CliIo, arg: string): number {
  const file = arg.endsWith('.ts') ? arg : `${arg}.ts`;
  const name = basename(file, '.ts');
  if (!/^[A-Za-z][\w-]*$/.test(name) || name.length > INIT_NAME_MAX || basename(file) !== file) {
    throw new InvalidArgumentError(
      `init: '${arg}' is not a scenario name: use letters, digits, '-' and '_' (at most ${INIT_NAME_MAX}), no directory`,
    );
  }
  const full = resolve(io.cwd, file);
  if (existsSync(full))
    throw new InvalidArgumentError(`init: '${file}' exists already; pick another name`);
  writeFileSync(full, initTemplate(name));
  io.out(`wrote ${file}: run 'npx mmu-notifier check ${file}'\n`);
  return EXIT_OK;
}
