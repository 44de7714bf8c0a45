/**
 * How a lock-validation report reads as text (lockdep's layout): one acquisition as
 * `class (instance name) [op, step N, file:line]`, and the chains as indented lines. Pure
 * functions of the public report types, shared by the findings' messages and the views
 * (`trace/`).
 */

import type { LockdepLock, LockdepReport } from './types.ts';

/** `drv.lock [mutex.lock, step 3, src/x.ts:9]` (the instance name too when it differs). */
export function describeLock(lock: LockdepLock): string {
  const instance = lock.name === lock.lockClass ? '' : ` (instance ${lock.name})`;
  const where = lock.site === '' ? '' : `, ${lock.site}`;
  return `${lock.lockClass}${instance} [${lock.op}, step ${lock.step}${where}]`;
}

/** The report as lines for a text verdict (lockdep's layout, indented by the caller). */
export function formatLockdepReport(report: LockdepReport): string[] {
  const lines: string[] = [];
  report.chains.forEach((chain, i) => {
    lines.push(i === 0 ? 'new dependency (this run):' : 'existing dependency chain:');
    for (const l of chain) {
      lines.push(`  '${l.task}' held ${describeLock(l.held)}`);
      lines.push(`     and took ${describeLock(l.acquired)}   schedule ${l.schedule}`);
    }
  });
  if (report.held.length > 0) {
    lines.push(`locks held by '${report.task}':`);
    for (const h of report.held) lines.push(`  ${describeLock(h)}`);
  }
  return lines;
}
