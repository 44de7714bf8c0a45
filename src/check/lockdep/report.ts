/**
 * The validator's findings: their wording (one line, as every finding), their signature
 * (what must stay equal for another run to show the same bug) and the structured report
 * that `check()` publishes once the schedule is known.
 *
 * | report         | finding kind | signature                              |
 * |----------------|--------------|----------------------------------------|
 * | `circular`     | `lock-order` | `lock-order:<classes of the cycle, sorted>` |
 * | `recursive`    | `lock-order` | `lock-order:recursive:<class>`         |
 * | `held-at-exit` | `lockdep`    | `lockdep:held-at-exit:<classes held>`  |
 * | `bad-unlock`   | `lockdep`    | `lockdep:bad-unlock:<class>`           |
 *
 * A chain link seen in another run carries that run's choices (`prior`): the finding's
 * schedule names them (`;prior=`) so that a replay first re-runs them to rebuild the graph.
 */

import type { RawFinding } from '../findings.ts';
import { describeLock } from './format.ts';
import type { LockdepLink, LockdepLock, LockdepReport, LockdepReportKind } from './types.ts';

/** A chain link before publication: `prior` is null for this run, else the other run's choices. */
export interface RawLink {
  /** The task. */
  readonly task: string;
  /** The lock held. */
  readonly held: LockdepLock;
  /** The lock acquired. */
  readonly acquired: LockdepLock;
  /** The choices of the run it was seen in, when not this run. */
  readonly prior: readonly number[] | null;
}

/** A report before publication (its links not yet given schedule strings). */
export interface RawLockdepReport extends Omit<LockdepReport, 'chains'> {
  /** The chains, with raw links. */
  readonly chains: readonly (readonly RawLink[])[];
}

/** A finding of the validator: a {@link RawFinding} with its report and the runs it needs. */
export interface RawLockdepFinding extends RawFinding {
  /** The report. */
  readonly lockdep: RawLockdepReport;
  /** The choices of the other runs whose dependencies the report uses (replayed first). */
  readonly priors: readonly (readonly number[])[];
}

function describeLink(link: RawLink): string {
  const run = link.prior === null ? 'this run' : 'another run';
  return `'${link.task}' held ${describeLock(link.held)} and took ${describeLock(link.acquired)} (${run})`;
}

function uniquePriors(chains: readonly (readonly RawLink[])[]): number[][] {
  const seen = new Map<string, readonly number[]>();
  for (const chain of chains) {
    for (const link of chain) if (link.prior !== null) seen.set(link.prior.join('.'), link.prior);
  }
  return [...seen.values()].map((choices) => [...choices]);
}

/** Builds the finding of one report (see the table above). */
export function lockdepFinding(
  kind: LockdepReportKind,
  task: string,
  held: readonly LockdepLock[],
  lock?: LockdepLock,
  closing: readonly RawLink[] = [],
  existing: readonly RawLink[] = [],
): RawLockdepFinding {
  const heldText = held.length === 0 ? 'nothing' : held.map(describeLock).join(', ');
  let message: string;
  let signature: string;
  let cycle: string[] = [];
  const chains = kind === 'circular' ? [closing, existing] : [];
  switch (kind) {
    case 'circular': {
      cycle = [lock!.lockClass, ...existing.map((l) => l.acquired.lockClass), lock!.lockClass];
      message =
        `lock-order: possible circular locking dependency ${cycle.join(' -> ')}: ` +
        `${describeLink(closing[0]!)}; existing chain: ${existing.map(describeLink).join('; ')}`;
      signature = `lock-order:${[...new Set(cycle)].sort().join(',')}`;
      break;
    }
    case 'recursive':
      cycle = [lock!.lockClass, lock!.lockClass];
      message = `lock-order: possible recursive locking: '${task}' acquires ${describeLock(lock!)} while holding ${heldText}`;
      signature = `lock-order:recursive:${lock!.lockClass}`;
      break;
    case 'held-at-exit':
      message = `lockdep: held-at-exit: task '${task}' ended holding ${heldText}`;
      signature = `lockdep:held-at-exit:${held.map((h) => h.lockClass).join(',')}`;
      break;
    case 'bad-unlock':
      message = `lockdep: bad-unlock: '${task}' releases ${describeLock(lock!)} that it does not hold (it holds ${heldText})`;
      signature = `lockdep:bad-unlock:${lock!.lockClass}`;
      break;
  }
  const findingKind = kind === 'circular' || kind === 'recursive' ? 'lock-order' : 'lockdep';
  return {
    kind: findingKind,
    message,
    signature,
    lockdep: { kind, task, cycle, chains, held, ...(lock === undefined ? {} : { lock }) },
    priors: uniquePriors(chains),
  };
}

/** True when `finding` came from the validator. */
export function isLockdepFinding(finding: RawFinding): finding is RawLockdepFinding {
  return (finding as Partial<RawLockdepFinding>).lockdep !== undefined;
}

/**
 * The published report: each link's schedule is `own` (the finding's schedule) for this run,
 * else `encode(prior)`.
 */
export function publishReport(
  raw: RawLockdepReport,
  own: string,
  encode: (choices: readonly number[]) => string,
): LockdepReport {
  const link = (l: RawLink): LockdepLink => ({
    task: l.task,
    held: l.held,
    acquired: l.acquired,
    schedule: l.prior === null ? own : encode(l.prior),
  });
  return { ...raw, chains: raw.chains.map((chain) => chain.map(link)) };
}
