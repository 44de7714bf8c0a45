/**
 * The driver as it should be: `readRetry` under the lock that `invalidate` takes.
 * `npx mmu-notifier check examples/userptr-driver/correct.ts` proves it (every schedule).
 */
import { userptrScenario } from './scenario.ts';

export default userptrScenario('userptr-correct');
