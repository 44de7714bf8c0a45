/**
 * The kernel-C limit as a benchmark subject: each sample runs the driver built by
 * `build.ts` once (a fresh process: setup, one untimed warm-up batch, timed batches of at
 * least 20 ms) and takes the ns per operation and the checksum it prints.
 */

import { execFileSync } from 'node:child_process';
import type { Subject } from '../harness.ts';
import type { KernelDriver } from './build.ts';

/** The subject's name in every table. */
export const KERNEL_C = 'kernel C';

/** The driver's operations (see `driver.c`). */
export type DriverOp = 'build' | 'query' | 'mix' | 'invalidate';

/** A subject running `op` of the driver on a workload file, or none without a driver. */
export function kernelSubject(
  driver: KernelDriver,
  op: DriverOp,
  file: string,
  n: number,
  count: number,
): Subject<never>[] {
  if (!driver.ok) return [];
  const args = [op, file, String(n), String(count)];
  return [
    {
      name: KERNEL_C,
      run: () => {
        throw new Error('kernel C is measured by its driver');
      },
      measure: () => {
        const out = execFileSync(driver.path, args, { encoding: 'utf8' }).trim();
        const [ns, sum] = out.split(' ');
        const nsPerOp = Number(ns);
        const checksum = Number(sum);
        if (!Number.isFinite(nsPerOp) || !Number.isFinite(checksum)) {
          throw new Error(`kernel-C driver printed '${out}'`);
        }
        return { nsPerOp, checksum };
      },
    },
  ];
}
