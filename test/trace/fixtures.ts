/**
 * Hand-made check results for the trace and report tests: the 2019 seed bug as the checker
 * reports it (notifier A started, B failed with EAGAIN, the OOM reaper skipped every end, A
 * was never ended), a clean run, and one whose names try to break out of the markup.
 */

import type { CheckResult, TraceEvent } from '../../src/check/types.ts';

type Row = [
  step: number,
  task: string,
  type: TraceEvent['type'],
  op: string,
  obj?: string,
  detail?: string,
];

function events(rows: readonly Row[]): TraceEvent[] {
  return rows.map(([step, task, type, op, obj = '', detail = '']) => ({
    step,
    task,
    type,
    op,
    obj,
    detail,
  }));
}

/** The seed's trace: two tasks, A's start with no end after B's EAGAIN. */
export const seedTrace: readonly TraceEvent[] = events([
  [0, 'main', 'task', 'spawn', 'oom_reaper'],
  [0, 'main', 'task', 'spawn', 'odp_fault'],
  [1, 'odp_fault', 'point', 'mutex.lock', 'umem_mutex'],
  [2, 'oom_reaper', 'point', 'yield'],
  [2, 'oom_reaper', 'access', 'mn.lock', 'mm.lock'],
  [2, 'oom_reaper', 'access', 'spin.lock', 'kvm.mmu_lock'],
  [2, 'oom_reaper', 'access', 'spin.unlock', 'kvm.mmu_lock'],
  [2, 'oom_reaper', 'note', 'notifier.start', 'A', '[0x0, 0x200000) unmap nonblock'],
  [2, 'oom_reaper', 'access', 'mutex.trylock', 'umem_mutex'],
  [2, 'oom_reaper', 'note', 'notifier.fail', 'B', 'EAGAIN'],
  [2, 'oom_reaper', 'note', 'eagain', 'mm', '[0x0, 0x200000)'],
  [3, 'odp_fault', 'point', 'cell.load', 'kvm.mmu_invalidate_in_progress', '1'],
  [3, 'odp_fault', 'note', 'fault.retry', 'odp', 'invalidation in progress'],
  [3, 'odp_fault', 'access', 'mutex.unlock', 'umem_mutex'],
  [4, 'main', 'point', 'finally'],
]);

/** The seed's finding under legacy-2019. */
export const seedFinding: CheckResult = {
  ok: false,
  scenario: 'seed-2019',
  options: { strategy: 'dfs', semantics: 'legacy-2019', preemptionBound: 2, seed: 0 },
  stats: { schedules: 7, steps: 61, elapsedMs: 12.4, schedulesPerSecond: 564.5, complete: false },
  finding: {
    kind: 'invariant',
    message: 'A: invalidate_range_start without invalidate_range_end (counter stays 1)',
    schedule: 'v1:0.1.0.2',
    trace: seedTrace,
    step: 4,
    preemptions: 1,
  },
};

/** A clean, complete run with paired starts and ends and a seq counter. */
export const cleanResult: CheckResult = {
  ok: true,
  scenario: 'seed-2019',
  options: { strategy: 'dfs', semantics: 'current', preemptionBound: 2 },
  stats: { schedules: 42, steps: 500, elapsedMs: 30, schedulesPerSecond: 1400, complete: true },
  trace: events([
    [0, 'main', 'task', 'spawn', 'oom_reaper'],
    [1, 'oom_reaper', 'point', 'mutex.lock', 'umem_mutex'],
    [1, 'oom_reaper', 'note', 'notifier.start', 'A', '[0x0, 0x1000)'],
    [1, 'oom_reaper', 'note', 'seq', 'mm', '3'],
    [1, 'oom_reaper', 'note', 'notifier.start', 'B', '[0x0, 0x1000)'],
    [2, 'oom_reaper', 'point', 'yield'],
    [2, 'oom_reaper', 'note', 'notifier.end', 'A', '[0x0, 0x1000)'],
    [2, 'oom_reaper', 'note', 'notifier.end', 'B', '[0x0, 0x1000)'],
    [2, 'oom_reaper', 'note', 'seq', 'mm', '4'],
    [2, 'oom_reaper', 'access', 'mutex.unlock', 'umem_mutex'],
  ]),
};

/** A hostile name, as a user's scenario could choose it. */
export const HOSTILE = `<script>alert("x")</script>&'`;

/** A finding whose every name is hostile. */
export const hostileResult: CheckResult = {
  ...seedFinding,
  scenario: HOSTILE,
  options: { semantics: HOSTILE },
  finding: {
    ...seedFinding.finding!,
    message: HOSTILE,
    schedule: 'v1:0.1',
    trace: events([
      [0, HOSTILE, 'point', 'mutex.lock', HOSTILE, HOSTILE],
      [1, HOSTILE, 'note', 'notifier.start', HOSTILE, HOSTILE],
      [2, HOSTILE, 'note', 'notifier.fail', HOSTILE, HOSTILE],
    ]),
  },
};
