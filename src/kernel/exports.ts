/**
 * The ABI between `src/kernel/shim/driver.c` and {@link RealKernelCore}: the module's exports
 * (prefixed `dn_`), the callback bits of `dn_register`/`dn_get`, and the imports it calls.
 * Pointers and `unsigned long` are 32-bit (wasm32): unsigned values come back as signed i32
 * and are read with `>>> 0`.
 */

/** The exports of the driver module. */
export interface DriverExports {
  readonly memory: WebAssembly.Memory;
  readonly __stack_pointer: WebAssembly.Global;
  dn_init(): void;
  dn_register(id: number, mask: number): number;
  dn_unregister(id: number): number;
  dn_get(key: number, mask: number): number;
  dn_put(id: number): number;
  dn_synchronize(): void;
  dn_insert(id: number, start: number, length: number): number;
  dn_remove(id: number): number;
  dn_read_begin(id: number): number;
  dn_read_retry(id: number, seq: number): number;
  dn_check_retry(id: number, seq: number): number;
  dn_set_seq(id: number, seq: number): void;
  dn_range_new(start: number, end: number, event: number): number;
  dn_range_free(ptr: number): void;
  dn_start(ptr: number): void;
  dn_start_nonblock(ptr: number): number;
  dn_end(ptr: number): void;
  dn_release(): void;
  dn_set_locks_exclude(on: number): void;
  dn_clear_flush_young(start: number, end: number): number;
  dn_clear_young(start: number, end: number): number;
  dn_test_young(address: number): number;
  dn_secondary_tlbs(start: number, end: number): void;
  dn_probe_has_subscriptions(): number;
  dn_probe_active(): number;
  dn_probe_seq(): number;
  dn_probe_has_itree(): number;
  dn_probe_deferred(): number;
  dn_probe_mm_count(): number;
  dn_probe_srcu_readers(): number;
}

/** Callback bits of `dn_register` / `dn_get` (driver.c's DN_*). */
export const CALLBACK_BITS = {
  release: 1 << 0,
  invalidateRangeStart: 1 << 1,
  invalidateRangeEnd: 1 << 2,
  clearFlushYoung: 1 << 3,
  clearYoung: 1 << 4,
  testYoung: 1 << 5,
  archInvalidateSecondaryTlbs: 1 << 6,
} as const;

/** The driver's id limit (DN_IDS - 1). */
export const DRIVER_IDS_MAX = 4095;

/** The largest address the wasm32 kernel takes (`ULONG_MAX` there). */
export const KERNEL_ULONG_MAX = 0xffff_ffff;

/** `host_young`'s `which`. */
export const YOUNG_KIND = ['clearFlushYoung', 'clearYoung', 'testYoung'] as const;
