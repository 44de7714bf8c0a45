/**
 * A port of the kernel's HMM selftests (`tools/testing/selftests/mm/hmm-tests.c`) to the
 * model's HMM mirror (`lib/test_hmm.c`'s dmirror), each named after the original
 * (`TEST_F(hmm, anon_read)` -> `hmm-anon-read`, `TEST_F(hmm2, snapshot)` -> `hmm2-snapshot`).
 *
 * Goal: the mirror behaves as the kernel's test driver does, command by command, and every
 * step keeps the model's monitors quiet. Method: the test's own steps in one task (two for
 * `anon_teardown`, the invalidate-vs-fault race), its `ASSERT_EQ`s as assertions; buffers of
 * {@link NPAGES} pages instead of `HMM_BUFFER_SIZE` (6 MiB), `NTIMES` of 2 instead of 10, and
 * the device-private variant of each fixture only. One page holds one number (the test's
 * `ptr[i] = i` per int becomes one value per page).
 *
 * Not ported (the model has no such feature): `anon_write_child`, `anon_write_child_shared`,
 * `hmm_cow_in_device`, `exclusive_cow` (fork); `anon_write_huge`, `anon_write_hugetlbfs`,
 * `compound` (THP / hugetlbfs); `exclusive`, `exclusive_mprotect` (`make_device_exclusive`);
 * `mixedmap` (mmap of the device file itself); `hmm_gup_test` (the `gup_test` module); the
 * device-coherent fixture variants (no coherent device memory).
 */

import type { ScenarioEntry } from './entry.ts';
import { anonTests } from './hmm-tests-anon.ts';
import { migrateTests } from './hmm-tests-migrate.ts';

export { NPAGES, NTIMES } from './hmm-selftest.ts';

/** The ported HMM selftests, in the order of `hmm-tests.c`. */
export const hmmSelftests: readonly ScenarioEntry[] = [...anonTests, ...migrateTests].map(
  (scenario) => ({
    scenario,
    expect: 'clean',
    tags: ['hmm-selftest'],
  }),
);
