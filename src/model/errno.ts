/**
 * The kernel's error numbers the model returns (`include/uapi/asm-generic/errno-base.h`), as negative values (an expected failure is a
 * value, never an exception). `EAGAIN` comes from the core (`src/core/range.ts`).
 */

/** `-EPERM`: operation not permitted (a device write to a read-only page, `hmm_range_fault`). */
export const EPERM = -1;
/** `-ENOENT`: no such entry (nothing migrated; `dmirror_do_read` found no mirror entry). */
export const ENOENT = -2;
/** `-EFAULT`: bad address (no VMA, or an access the VMA does not allow). */
export const EFAULT = -14;
/** `-EBUSY`: the range was invalidated while it was being faulted (`hmm_range_fault`). */
export const EBUSY = -16;
/** `-EINVAL`: invalid argument. */
export const EINVAL = -22;
