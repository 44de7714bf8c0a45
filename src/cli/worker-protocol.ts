/**
 * What the CLI's thread and its exploration worker say to each other (`worker-host.ts` on
 * the CLI's side, `worker-main.ts` in the worker). Everything is plain data (structured
 * clone), so a `CheckResult` crosses as it is.
 *
 *     CLI thread                          worker
 *     new Worker(request) ------------->  resolve the scenario, the options
 *                         <-------------  ready (name, effective options)     or error
 *                         <-------------  label*  progress*  (during the search)
 *                         <-------------  result                              or error
 *     no result by the time limit and no resume for HANG_QUIET_MS: terminate, report a hang
 */

import type { CheckProgress } from '../check/options.ts';
import type { CheckResult } from '../check/types.ts';
import type { CliCheckOptions } from './options.ts';

/** The work a worker does: one `check` or `replay` command's exploration. */
export interface WorkerRequest {
  /** Which command. */
  readonly command: 'check' | 'replay';
  /** The scenario argument: a library name or a file path. */
  readonly arg: string;
  /** The directory a relative path is relative to. */
  readonly cwd: string;
  /** The command line's options (functions never cross). */
  readonly cli: CliCheckOptions;
  /** The schedule string, for `replay`. */
  readonly schedule?: string;
  /** Post progress messages (a progress bar is showing). */
  readonly progress: boolean;
  /** The probe buffer (`worker-probe.ts`). */
  readonly probe: SharedArrayBuffer;
}

/** The scenario and options the worker resolved, before it explores. */
export interface WorkerReady {
  readonly type: 'ready';
  /** The scenario's name. */
  readonly name: string;
  /** The scenario's description, if any. */
  readonly description?: string;
  /** `library` or the file's path as given. */
  readonly origin: string;
  /** The effective options, as `describeSettings` gives them. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The effective options as one `key=value` line. */
  readonly effective: string;
}

/** A message from the worker. */
export type WorkerMessage =
  | WorkerReady
  | { readonly type: 'label'; readonly id: number; readonly text: string }
  | { readonly type: 'progress'; readonly progress: CheckProgress }
  | { readonly type: 'result'; readonly result: CheckResult }
  | {
      readonly type: 'error';
      /** A user's mistake (exit 2), not a defect of mmu-notifier (exit 3). */
      readonly user: boolean;
      readonly message: string;
      readonly stack: string;
    };
