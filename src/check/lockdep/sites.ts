/**
 * Call sites of acquisitions (lockdep's saved stack trace of each `held_lock`), captured as
 * an `Error` whose stack is formatted only when a report needs it (V8 formats lazily, so a
 * capture costs the frame walk only). A site is the first frame outside the library's
 * machinery (`src/sync`, `src/sched`, `src/check`, `src/core`): the model's or the scenario's
 * own line, as `path:line` relative to the working directory.
 */

import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Frames captured per acquisition (enough to get out of the library's own frames). */
export const SITE_FRAMES_MAX = 12;

const MACHINERY = /[\\/]src[\\/](sync|sched|check|core)[\\/]|node:internal|[\\/]node_modules[\\/]/;
const FRAME = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):\d+\)?$/;

/** A captured site: an Error holding the stack (formatted by {@link formatSite}). */
export type Site = Error;

/** Captures the caller's stack. */
export function captureSite(): Site {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = SITE_FRAMES_MAX;
  const site = new Error('site');
  Error.stackTraceLimit = limit;
  return site;
}

/** `path:line` of the first frame outside the machinery, or '' when there is none. */
export function formatSite(site: Site): string {
  const lines = (site.stack ?? '').split('\n').slice(1);
  for (const line of lines) {
    const match = FRAME.exec(line.trim());
    if (match === null) continue;
    const file = match[1]!;
    if (MACHINERY.test(file)) continue;
    const path = file.startsWith('file://') ? fileURLToPath(file) : file;
    return `${relative(process.cwd(), path) || path}:${match[2]}`;
  }
  return '';
}
