/**
 * The progress bar of `check`: schedules explored, steps and rate, redrawn on a terminal.
 * Shown only when standard error is a TTY and `CI` is not set (the caller decides, see
 * `main.ts`); otherwise {@link createProgress} returns a sink that prints nothing.
 */

import cliProgress from 'cli-progress';
import type { CheckProgress } from '../check/options.ts';

/** Receives the checker's progress reports. Pairs `update` calls with one final `stop`. */
export interface ProgressSink {
  /** The `onProgress` callback to hand to `check()`, or undefined when nothing is shown. */
  readonly onProgress: ((progress: CheckProgress) => void) | undefined;
  /** Removes the bar (idempotent). */
  stop(): void;
}

const SILENT: ProgressSink = { onProgress: undefined, stop: () => {} };

/**
 * A progress bar on `stream`, or a silent sink when `stream` is undefined.
 * @param stream a TTY stream (standard error), or undefined for no bar.
 * @param maxSchedules the schedule budget: the bar's 100%.
 */
export function createProgress(
  stream: NodeJS.WritableStream | undefined,
  maxSchedules: number,
): ProgressSink {
  if (stream === undefined) return SILENT;
  const bar = new cliProgress.SingleBar({
    stream,
    format: ' {strategy} {bar} {value} schedules · {steps} steps · {rate}/s · {seconds}s',
    barsize: 24,
    hideCursor: true,
    clearOnComplete: true,
    noTTYOutput: false,
    etaBuffer: 50,
  });
  let started = false;
  let stopped = false;
  return {
    onProgress(p: CheckProgress): void {
      if (stopped) return;
      const payload = {
        strategy: p.strategy,
        steps: p.steps.toLocaleString('en-US'),
        rate: Math.round(p.schedules / Math.max(p.elapsedMs / 1000, 0.001)).toLocaleString('en-US'),
        seconds: (p.elapsedMs / 1000).toFixed(1),
      };
      if (!started) {
        bar.start(maxSchedules, p.schedules, payload);
        started = true;
      } else {
        bar.update(p.schedules, payload);
      }
    },
    stop(): void {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}
