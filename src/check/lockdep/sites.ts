/**
 * Call sites of acquisitions (lockdep's saved stack trace of each `held_lock`), captured as
 * an `Error` whose stack is formatted only when a report needs it (V8 formats lazily, so a
 * capture costs the frame walk only). A site is the first frame outside the library's own
 * machinery (its `sync/`, `sched/`, `check/` and `core/` folders, found from this module's
 * location, so a user's folders of the same names are not skipped) and outside Node's and
 * `node_modules`: the model's or the scenario's own line, as `path:line` relative to the
 * working directory.
 */

import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Frames captured per acquisition (enough to get out of the library's own frames). */
export const SITE_FRAMES_MAX = 12;

/** The library's own source root (`src/`, or `dist/` once built): its machinery is skipped. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MACHINERY_DIRS = ['sync', 'sched', 'check', 'core'].map((dir) => join(ROOT, dir, sep));

function isMachinery(path: string): boolean {
  if (path.startsWith('node:') || path.includes(`${sep}node_modules${sep}`)) return true;
  return MACHINERY_DIRS.some((dir) => path.startsWith(dir));
}
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
    const path = file.startsWith('file://') ? fileURLToPath(file) : file;
    if (isMachinery(path)) continue;
    return `${relative(process.cwd(), path) || path}:${match[2]}`;
  }
  return '';
}
