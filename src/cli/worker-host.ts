/**
 * Runs a command's exploration in a `node:worker_threads` worker, so that the time limit
 * holds even when a task never gives control back (a loop on `.value` with no scheduling
 * point: one JS thread cannot interrupt itself). Protocol in `worker-protocol.ts`.
 *
 * | phase                 | ends when                                      | then                        |
 * |-----------------------|------------------------------------------------|-----------------------------|
 * | loading               | `ready`; or `LOAD_GRACE_MS` past the time limit | hang (at load)              |
 * | exploring             | `result` / `error`                             | resolve / reject            |
 * | past the time limit   | the probe has not moved for {@link HANG_QUIET_MS} | terminate, hang finding  |
 * | worker exits early    | (no result: the scenario awaited for ever)     | reject, a user's error      |
 *
 * The time limit counts from `ready` (loading tsx and the scenario is not exploring). After
 * it, a worker still resuming tasks is finishing its last run, minimization or replay (each
 * bounded by the step bound): it is given time as long as the probe moves.
 */

import { Worker } from 'node:worker_threads';
import type { CheckProgress } from '../check/options.ts';
import { encodeSchedule } from '../check/schedule.ts';
import type { CheckResult, Finding } from '../check/types.ts';
import { InvalidArgumentError } from '../errors.ts';
import { probeTick, readLastPoint } from './worker-probe.ts';
import type { WorkerMessage, WorkerReady, WorkerRequest } from './worker-protocol.ts';

/** How long the probe must stand still, past the time limit, for a hang. */
export const HANG_QUIET_MS = 1_000;

/** Extra time to load the scenario (tsx, the library) before the time limit counts. */
export const LOAD_GRACE_MS = 30_000;

/** How often the CLI's thread looks at the probe. */
const POLL_MS = 100;

/** What the CLI does with the worker's messages. */
export interface WorkerHandlers {
  /** The scenario and options are resolved: print the header. */
  readonly onReady: (ready: WorkerReady) => void;
  /** A progress report (only when the request asked for them). */
  readonly onProgress: (progress: CheckProgress) => void;
}

/** The scenario's data and the exploration's result. */
export interface WorkerOutcome {
  /** What the worker resolved. */
  readonly ready: WorkerReady;
  /** The result, or the hang finding the CLI made. */
  readonly result: CheckResult;
}

/** The worker's entry: the `.ts` source through tsx in a checkout, the built `.js` otherwise. */
function workerSource(): { code: string } | { url: URL } {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const main = new URL(`./worker-main.${ext}`, import.meta.url);
  if (ext === 'js') return { url: main };
  const tsx = import.meta.resolve('tsx/esm/api');
  const code =
    `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); ` +
    `return import(${JSON.stringify(main.href)}); });`;
  return { code };
}

function spawn(request: WorkerRequest): Worker {
  const source = workerSource();
  const options = { workerData: request, execArgv: [], stdout: false, stderr: false };
  return 'code' in source
    ? new Worker(source.code, { ...options, eval: true })
    : new Worker(source.url, options);
}

/** The finding for a worker stopped at the time limit (see the module comment). */
function hangResult(
  ready: WorkerReady,
  labels: ReadonlyMap<number, string>,
  buffer: SharedArrayBuffer,
  elapsedMs: number,
): CheckResult {
  const last = readLastPoint(buffer);
  const limit = ready.options['timeLimitMs'];
  const where = last.step < 0 ? undefined : labels.get(last.label);
  const message =
    where === undefined
      ? `hang: the exploration stopped answering outside any task's step (setup, finally or a ` +
        `scenario's own loop) and was stopped ${limit} ms into the search (the time limit)`
      : `hang: task ${where} (its last scheduling point, step ${last.step}) never reached ` +
        'another: a loop with no scheduling point (a busy-wait on .value?) holds the thread; ' +
        `stopped at the time limit (${limit} ms). Await in the loop (load(), yieldNow())`;
  const seed = typeof ready.options['seed'] === 'number' ? ready.options['seed'] : 0;
  const finding: Finding = {
    kind: 'hang',
    message,
    schedule: encodeSchedule({ choices: last.choices, seed }),
    trace: [],
    step: Math.max(0, last.step),
    preemptions: last.preemptions,
  };
  return {
    ok: false,
    finding,
    stats: {
      schedules: last.runs,
      steps: last.steps,
      elapsedMs,
      schedulesPerSecond: elapsedMs > 0 ? (last.runs * 1000) / elapsedMs : 0,
      complete: false,
      stoppedBy: 'timeLimitMs',
    },
    scenario: ready.name,
    options: ready.options,
  };
}

/**
 * Runs `request` in a worker; resolves with the result (or a hang finding), rejects with the
 * worker's error. `timeLimitMs`: the time limit in force before the worker says `ready`.
 */
export function runInWorker(
  request: WorkerRequest,
  timeLimitMs: number,
  handlers: WorkerHandlers,
): Promise<WorkerOutcome> {
  return new Promise<WorkerOutcome>((resolve, reject) => {
    const worker = spawn(request);
    const labels = new Map<number, string>();
    const spawnedAt = performance.now();
    let ready: WorkerReady | undefined;
    let readyAt = 0;
    let tick = -1;
    let still = performance.now();
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      action();
    };
    const timer = setInterval(() => {
      const now = performance.now();
      const current = probeTick(request.probe);
      if (current !== tick) [tick, still] = [current, now];
      if (ready === undefined) {
        if (now - spawnedAt < timeLimitMs + LOAD_GRACE_MS) return;
        void worker.terminate();
        finish(() =>
          reject(
            new InvalidArgumentError(
              `loading the scenario '${request.arg}' did not finish in ${Math.round(now - spawnedAt)} ms: ` +
                'does its file loop at load?',
            ),
          ),
        );
        return;
      }
      const limit = Number(ready.options['timeLimitMs'] ?? timeLimitMs);
      if (now - readyAt < limit || now - still < HANG_QUIET_MS) return;
      const outcome = {
        ready,
        result: hangResult(ready, labels, request.probe, now - readyAt),
      };
      void worker.terminate();
      finish(() => resolve(outcome));
    }, POLL_MS);
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'ready':
          ready = message;
          readyAt = performance.now();
          handlers.onReady(message);
          return;
        case 'label':
          labels.set(message.id, message.text);
          return;
        case 'progress':
          handlers.onProgress(message.progress);
          return;
        case 'result':
          if (ready === undefined) return;
          finish(() => resolve({ ready: ready!, result: message.result }));
          void worker.terminate();
          return;
        case 'error': {
          const error = message.user
            ? new InvalidArgumentError(message.message)
            : new Error(message.stack);
          finish(() => reject(error));
          void worker.terminate();
          return;
        }
      }
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', () =>
      finish(() =>
        reject(
          new InvalidArgumentError(
            'the command never finished: the scenario (or its file, at load) awaits something that nothing resolves',
          ),
        ),
      ),
    );
  });
}
