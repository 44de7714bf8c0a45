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
 *
 * With `--workers` > 1 the runs are in the pool's threads, which the probe does not see
 * (except the first jobs, run on the exploring thread while the pool starts, and the
 * finding's replay); each job's end moves it (`PointProbe.jobEnded`), and past the time
 * limit jobs stop at their deadline, so only a thread that never ends its job holds it
 * still. Such a hang is reported without its point, and the message says to run
 * `--workers 1`.
 */

import { Worker } from 'node:worker_threads';
import type { CheckProgress } from '../check/options.ts';
import { encodeSchedule } from '../check/schedule.ts';
import type { CheckResult, Finding } from '../check/types.ts';
import { InternalError, InvalidArgumentError } from '../errors.ts';
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
  const threads = typeof ready.options['workers'] === 'number' && ready.options['workers'] > 1;
  const message =
    where === undefined && threads
      ? 'hang: a worker thread stopped answering (a loop with no scheduling point?) and was ' +
        `stopped ${limit} ms into the search (the time limit); --workers 1 names its task ` +
        'and point'
      : where === undefined
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

/** One worker's life on the CLI's side: its messages, the poll, one settlement. */
class WorkerRun {
  readonly #request: WorkerRequest;
  readonly #timeLimitMs: number;
  readonly #handlers: WorkerHandlers;
  readonly #worker: Worker;
  readonly #labels = new Map<number, string>();
  readonly #spawnedAt = performance.now();
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #resolve: (outcome: WorkerOutcome) => void;
  readonly #reject: (error: unknown) => void;
  #ready: WorkerReady | undefined;
  #readyAt = 0;
  #tick = '';
  #still = performance.now();
  #settled = false;

  constructor(
    request: WorkerRequest,
    timeLimitMs: number,
    handlers: WorkerHandlers,
    resolve: (outcome: WorkerOutcome) => void,
    reject: (error: unknown) => void,
  ) {
    this.#request = request;
    this.#timeLimitMs = timeLimitMs;
    this.#handlers = handlers;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#worker = spawn(request);
    this.#timer = setInterval(() => this.#poll(), POLL_MS);
    this.#worker.on('message', (message: WorkerMessage) => this.#onMessage(message));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', () =>
      this.#fail(
        new InvalidArgumentError(
          'the command never finished: the scenario (or its file, at load) awaits something that nothing resolves',
        ),
      ),
    );
  }

  /** Settles once, stops the poll and the worker (a no-op once it has exited). */
  #settle(action: () => void): void {
    if (this.#settled) return;
    this.#settled = true;
    clearInterval(this.#timer);
    void this.#worker.terminate();
    action();
  }

  #fail(error: unknown): void {
    this.#settle(() => this.#reject(error));
  }

  /** Every POLL_MS: a hang past the time limit, or a load that never ends. */
  #poll(): void {
    const now = performance.now();
    const tick = probeTick(this.#request.probe);
    if (tick !== this.#tick) [this.#tick, this.#still] = [tick, now];
    const ready = this.#ready;
    if (ready === undefined) {
      const loading = now - this.#spawnedAt;
      if (loading < this.#timeLimitMs + LOAD_GRACE_MS) return;
      this.#fail(
        new InvalidArgumentError(
          `loading the scenario '${this.#request.arg}' did not finish in ${Math.round(loading)} ms: ` +
            'does its file loop at load?',
        ),
      );
      return;
    }
    const limit = Number(ready.options['timeLimitMs'] ?? this.#timeLimitMs);
    if (now - this.#readyAt < limit || now - this.#still < HANG_QUIET_MS) return;
    const result = hangResult(ready, this.#labels, this.#request.probe, now - this.#readyAt);
    this.#settle(() => this.#resolve({ ready, result }));
  }

  #onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        this.#ready = message;
        this.#readyAt = performance.now();
        this.#handlers.onReady(message);
        return;
      case 'label':
        this.#labels.set(message.id, message.text);
        return;
      case 'progress':
        this.#handlers.onProgress(message.progress);
        return;
      case 'result': {
        const ready = this.#ready;
        if (ready === undefined) {
          this.#fail(new InternalError('the worker sent a result before ready'));
          return;
        }
        this.#settle(() => this.#resolve({ ready, result: message.result }));
        return;
      }
      case 'error':
        this.#fail(
          message.user ? new InvalidArgumentError(message.message) : new Error(message.stack),
        );
        return;
    }
  }
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
    new WorkerRun(request, timeLimitMs, handlers, resolve, reject);
  });
}
