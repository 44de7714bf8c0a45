/**
 * Where in the *user's* code something happened: the first stack frame that is not
 * mmu-notifier's own machinery, as `file:line:col`. Used to name the place of a setup error
 * and of a lock acquisition in a deadlock report.
 *
 * A frame is the user's when its file lies outside this package's `src/` and `dist/` (a
 * scenario file, an example, a test), or inside `src/scenarios/` (the library's own
 * scenarios are "user code" of the checker). Frames of Node itself and of `node_modules`
 * are skipped. Reading a stack costs a few microseconds: callers do it only on traced runs
 * or on errors, never on the search's hot path.
 */

import { fileURLToPath } from 'node:url';

/** This package's `src/` (or `dist/`) directory, as a path with a trailing separator. */
const OWN_ROOT = fileURLToPath(new URL('../', import.meta.url));
const OWN_SCENARIOS = fileURLToPath(new URL('../scenarios/', import.meta.url));

/** Frames read per stack, at most (V8 keeps 10 by default). */
const FRAMES_MAX = 50;

const FRAME = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):(\d+):(\d+)\)?\s*$/;

/** The file, line and column of one `    at ...` line, or undefined. */
function parseFrame(line: string): { file: string; line: number; col: number } | undefined {
  const match = FRAME.exec(line);
  if (match === null) return undefined;
  let file = match[1]!.split('?')[0]!; // tsx may append its namespace as a query
  if (file.startsWith('file://')) {
    try {
      file = fileURLToPath(file);
    } catch {
      return undefined;
    }
  }
  return { file, line: Number(match[2]), col: Number(match[3]) };
}

function isUserFile(file: string): boolean {
  if (file.includes('/node_modules/') || file.includes('\\node_modules\\')) return false;
  if (file.startsWith(OWN_SCENARIOS)) return true;
  return !file.startsWith(OWN_ROOT);
}

/**
 * The first user frame of `stack` (an `Error#stack` string) as `file:line:col`, or
 * undefined when no frame is the user's.
 */
export function userFrame(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  const lines = stack.split('\n');
  for (let i = 1; i < lines.length && i <= FRAMES_MAX; i++) {
    const line = lines[i]!;
    if (!line.trimStart().startsWith('at ')) continue;
    const frame = parseFrame(line);
    if (frame !== undefined && isUserFile(frame.file))
      return `${frame.file}:${frame.line}:${frame.col}`;
  }
  return undefined;
}

/** The user frame of the current call stack (see {@link userFrame}). */
export function callerFrame(): string | undefined {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = FRAMES_MAX;
  try {
    return userFrame(new Error().stack);
  } finally {
    Error.stackTraceLimit = saved;
  }
}
