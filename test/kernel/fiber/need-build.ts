/**
 * The skip option of a test that needs the fiber build of a kernel series (`npm run kernel`):
 * `{}` when it is built, else a visible skip naming how to build it.
 */

import { availableKernelModules } from '../../../src/index.ts';

/** The kernel series whose fiber build exists. */
export const fiberBuilds: ReadonlySet<string> = new Set(
  availableKernelModules()
    .filter((m) => m.fiberPath !== undefined)
    .map((m) => m.series),
);

/** `{}` when the fiber build of `series` exists, else `{ skip }` saying how to build it. */
export function needFiberBuild(series: string): { skip?: string } {
  return fiberBuilds.has(series)
    ? {}
    : {
        skip: `no fiber build of ${series}: apt-get install binaryen linux-source-${series}; npm run kernel`,
      };
}
