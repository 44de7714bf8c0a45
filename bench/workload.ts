/**
 * Workload files: the data of one benchmark workload, written once and read back by every
 * side (our TypeScript subjects and the kernel-C driver), so both run exactly the same
 * intervals and queries. Format (little-endian): `MMUWL001`, a u32 count of arrays, then per
 * array a u32 length and that many float64 values (exact integers below 2^53). The files go
 * to the git-ignored `.cache/bench-workloads/`.
 */

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAGIC = 'MMUWL001';
const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '.cache', 'bench-workloads');

/**
 * Writes `arrays` as workload `name`; returns the file's path. The name must determine the
 * content (include the sizes): other runs may read the same name at the same time.
 */
export function writeWorkload(name: string, arrays: readonly Float64Array[]): string {
  mkdirSync(DIR, { recursive: true });
  const bytes = 12 + arrays.reduce((sum, a) => sum + 4 + 8 * a.length, 0);
  const buf = Buffer.alloc(bytes);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(arrays.length, 8);
  let at = 12;
  for (const a of arrays) {
    buf.writeUInt32LE(a.length, at);
    at += 4;
    for (let i = 0; i < a.length; i++, at += 8) {
      const v = a[i]!;
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`workload ${name}: ${v} is not a u64`);
      buf.writeDoubleLE(v, at);
    }
  }
  // Written aside and renamed (atomic): a run reading this name never sees a half-written
  // file. Names carry the sizes (the callers' job), so the content of a name never changes.
  const path = join(DIR, `${name}.bin`);
  const aside = `${path}.${process.pid}`;
  writeFileSync(aside, buf);
  renameSync(aside, path);
  return path;
}

/** Reads a workload file back: its arrays, in order. */
export function readWorkload(path: string): Float64Array[] {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 0, 8) !== MAGIC) throw new Error(`${path}: not a workload file`);
  const count = buf.readUInt32LE(8);
  const out: Float64Array[] = [];
  let at = 12;
  for (let k = 0; k < count; k++) {
    const len = buf.readUInt32LE(at);
    at += 4;
    const a = new Float64Array(len);
    for (let i = 0; i < len; i++, at += 8) a[i] = buf.readDoubleLE(at);
    out.push(a);
  }
  return out;
}

/** Writes the arrays and reads them back: what every side then uses. */
export function shareWorkload(
  name: string,
  arrays: readonly Float64Array[],
): { readonly path: string; readonly arrays: Float64Array[] } {
  const path = writeWorkload(name, arrays);
  return { path, arrays: readWorkload(path) };
}
