export { Mutex } from './mutex.ts';
export type { SyncOptions } from './options.ts';
export { RwSemaphore } from './rwsem.ts';
export { Shared } from './shared.ts';
export { SpinLock } from './spinlock.ts';
export { Srcu } from './srcu.ts';
export { WaitQueue } from './wait-queue.ts';
