/**
 * The README's library example: the seed's two subscribers on one address space, a
 * non-blockable invalidation while B's lock is held, and `await using` for a paired end.
 * Run: `npx tsx examples/quick-start-library.ts`.
 */
import { AddressSpace, EAGAIN, type MmuNotifierRange, Mutex } from '../src/index.ts';

export async function quickStartLibrary(): Promise<string[]> {
  const log: string[] = [];
  const mm = new AddressSpace({ onDiagnostic: (d) => log.push(`diagnostic: ${d.kind}`) });

  // A: KVM-like. Its start always succeeds and raises a counter that its end drops.
  let counterA = 0;
  mm.register(
    {
      invalidateRangeStart: () => void counterA++,
      invalidateRangeEnd: () => void counterA--,
    },
    { name: 'A' },
  );

  // B: ODP-like (2019). In non-blockable mode it can only trylock; it fails with EAGAIN.
  const umemMutex = new Mutex({ name: 'umem_mutex' });
  mm.register(
    {
      invalidateRangeStart: (_sub, range) => {
        if (range.blockable) return 0;
        if (!umemMutex.tryLock()) return EAGAIN;
        umemMutex.unlock();
        return 0;
      },
    },
    { name: 'B' },
  );

  // The OOM reaper invalidates non-blockably while an ODP fault holds B's mutex.
  await umemMutex.lock();
  const reap: MmuNotifierRange = { start: 0x1000, end: 0x2000, event: 'unmap', blockable: false };
  const rc = mm.invalidateRangeStartNonblock(reap);
  log.push(`nonblock start -> ${rc === EAGAIN ? 'EAGAIN' : rc}; A's counter is ${counterA}`);
  umemMutex.unlock();

  // munmap: a blockable invalidation whose end is paired by construction.
  {
    await using inv = await mm.invalidate({
      start: 0x1000,
      end: 0x2000,
      event: 'unmap',
      blockable: true,
    });
    log.push(`inside munmap's invalidation: A's counter is ${counterA}, ok=${inv.ok}`);
  }
  log.push(`after it: A's counter is ${counterA}`);
  return log;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await quickStartLibrary()) console.log(line);
}
