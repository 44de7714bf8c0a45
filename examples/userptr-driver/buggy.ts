/**
 * The driver with the classic mistake: `readRetry` checked before taking the lock.
 * `npx mmu-notifier check examples/userptr-driver/buggy.ts` finds the device mapping a freed page.
 */
import { userptrScenario } from './scenario.ts';

export default userptrScenario('userptr-buggy', { retryOutsideLock: true });
