/**
 * One instance of a fiber build and the mechanism of calling into it: the imports (each
 * shim point through {@link PointHost}, each subscriber callback a scheduling point that may
 * park its fiber on a Promise), one fiber per call ({@link FiberStacks}), and the *dead*
 * state: a throw through the C frames (a BUG_ON, a callback's error, a sleep in
 * non-blockable context) leaves the C state mid-function, so nothing more may run.
 *
 * A callback runs with no C frame on the JavaScript stack (its fiber unwound first) when the
 * scheduler is controlled or the callback returns a Promise, so it may call back into the
 * core: that call gets a fiber of its own. In non-blockable context (`non_block_start`, a
 * spin lock held) a callback is called at once and a Promise from it is a
 * {@link SleepInAtomicError}.
 */

import type { MmuNotifierRange } from '../../core/range.ts';
import {
  KernelBugError,
  type KernelSite,
  KernelWouldSleepError,
  SleepInAtomicError,
  StateError,
} from '../../errors.ts';
import type { Scheduler } from '../../sched/scheduler.ts';
import type { DriverExports } from '../exports.ts';
import { foreignRange } from '../host-imports.ts';
import { hasFootprints, type KernelModule } from '../module.ts';
import type { KernelDiagnostic } from '../types.ts';
import { type AsyncifyExports, type Fiber, FiberStacks } from './fibers.ts';
import type { FiberInterval, FiberNotifier } from './handles.ts';
import { PointHost } from './points.ts';

/** The exports of a fiber build. */
export type FiberExports = DriverExports &
  AsyncifyExports & {
    dn_probe_heap_bytes(): number;
    dn_probe_free_chunks(): number;
    dn_probe_locks_held(): number;
    dn_shim_word(i: number): number;
  };

/** The main C stack's size (scripts/kernel/build.ts links with `-z stack-size=65536`). */
const MAIN_STACK_BYTES = 65536;
type Imp = (...args: number[]) => number;

/** What the imports dispatch to. Internal to `src/kernel/fiber`. */
export interface FiberDispatch {
  notifier(id: number): FiberNotifier;
  interval(id: number): FiberInterval;
  /** The range object of a pointer the core created, or null. */
  range(ptr: number): MmuNotifierRange | undefined;
  diagnostic(d: KernelDiagnostic): void;
  /** `alloc_notifier` of `mmu_notifier_get` for the ops of `key`: the new notifier's id. */
  allocShared(key: number): number;
  /** `free_notifier` of notifier `id`. */
  freeShared(id: number): void;
}

/** A fiber-build instance with its call mechanism. Internal to `src/kernel/fiber`. */
export class FiberInstance {
  /** The module's exports. */
  readonly x: FiberExports;
  readonly fibers: FiberStacks;
  readonly points: PointHost;
  readonly #sched: Scheduler;
  readonly #d: FiberDispatch;
  readonly #name: string;
  #dead: string | null = null;

  constructor(
    mod: KernelModule,
    name: string,
    sched: Scheduler,
    dispatch: FiberDispatch,
    unscheduled?: () => boolean,
  ) {
    this.#sched = sched;
    this.#d = dispatch;
    this.#name = name;
    let x: FiberExports | null = null;
    this.fibers = new FiberStacks({
      get memory() {
        return x!.memory;
      },
      get __stack_pointer() {
        return x!.__stack_pointer;
      },
      asyncify_start_unwind: (d) => x!.asyncify_start_unwind(d),
      asyncify_stop_unwind: () => x!.asyncify_stop_unwind(),
      asyncify_start_rewind: (d) => x!.asyncify_start_rewind(d),
      asyncify_stop_rewind: () => x!.asyncify_stop_rewind(),
      asyncify_get_state: () => x!.asyncify_get_state(),
      dn_fiber_alloc: (n) => x!.dn_fiber_alloc(n),
    });
    this.points = new PointHost(sched, () => x!.memory, name, unscheduled);
    const instance = new WebAssembly.Instance(mod.module, { env: this.#imports() });
    x = instance.exports as unknown as FiberExports;
    this.x = x;
    if (hasFootprints(mod.module)) {
      const top = (x.__stack_pointer.value as number) >>> 0; // no call ran yet: the main stack's top
      const words = [0, 1, 2].map((i) => x!.dn_shim_word(i) >>> 0).filter((a) => a !== 0);
      this.points.footprints(top - MAIN_STACK_BYTES, top, (a) => this.fibers.inSlot(a), words);
    }
    x.dn_init();
  }

  /** Why the instance is dead, or null. */
  get dead(): string | null {
    return this.#dead;
  }

  #imports(): Record<string, Imp> {
    const f = this.fibers;
    const cur = (): Fiber => {
      const fiber = f.current;
      if (fiber === null) throw new StateError('a kernel import outside any fiber');
      return fiber;
    };
    const site = (file: number, line: number, cond: number): KernelSite => ({
      file: this.#cString(file),
      line,
      condition: this.#cString(cond),
    });
    return {
      kshim_point: f.suspending((kind: number, ptr: number, arg: number) =>
        this.#unlessDead(void0(this.points.point(cur(), kind, ptr >>> 0, arg >>> 0))),
      ) as Imp,
      kshim_warn: (file, line, cond, bug) => {
        const s = site(file!, line!, cond!);
        this.#d.diagnostic({ kind: bug ? 'bug' : 'warn', ...s });
        if (bug) throw new KernelBugError(`BUG_ON(${s.condition}) at ${s.file}:${s.line}`, s);
        return 0;
      },
      kshim_would_sleep: (file, line, what) => {
        const s = site(file!, line!, what!);
        throw new KernelWouldSleepError(`would sleep at ${s.file}:${s.line}: ${s.condition}`, s);
      },
      host_release: f.suspending((id: number) => {
        const n = this.#d.notifier(id);
        return this.#callback(
          n.name,
          'release',
          () => n.ops.release?.(n),
          () => 0,
        );
      }) as Imp,
      host_start: f.suspending(
        (id: number, ptr: number, s: number, e: number, fl: number, ev: number) => {
          const n = this.#d.notifier(id);
          const r = this.#rangeAt(ptr, s, e, fl, ev);
          return this.#callback(
            n.name,
            'start',
            () => n.ops.invalidateRangeStart?.(n, r),
            startValue,
          );
        },
      ) as Imp,
      host_end: f.suspending(
        (id: number, ptr: number, s: number, e: number, fl: number, ev: number) => {
          const n = this.#d.notifier(id);
          const r = this.#rangeAt(ptr, s, e, fl, ev);
          return this.#callback(
            n.name,
            'end',
            () => n.ops.invalidateRangeEnd?.(n, r),
            () => 0,
          );
        },
      ) as Imp,
      host_young: (id, which, start, end) => {
        const n = this.#d.notifier(id!);
        const s = start! >>> 0;
        const e = end! >>> 0;
        const o = n.ops;
        const v =
          which === 0
            ? o.clearFlushYoung?.(n, s, e)
            : which === 1
              ? o.clearYoung?.(n, s, e)
              : o.testYoung?.(n, s);
        return this.#atOnce(n.name, 'young', v) ? 1 : 0;
      },
      host_secondary_tlbs: (id, start, end) => {
        const n = this.#d.notifier(id!);
        const v = n.ops.archInvalidateSecondaryTlbs?.(n, start! >>> 0, end! >>> 0);
        this.#atOnce(n.name, 'archInvalidateSecondaryTlbs', v);
        return 0;
      },
      host_alloc_notifier: (key) => this.#d.allocShared(key!),
      // wasm-opt --instrument-memory: the address of every load and store (values pass through).
      load_ptr: (_id, bytes, offset, ptr) => {
        this.points.memory((ptr! + offset!) >>> 0, bytes!, false);
        return ptr!;
      },
      store_ptr: (_id, bytes, offset, ptr) => {
        this.points.memory((ptr! + offset!) >>> 0, bytes!, true);
        return ptr!;
      },
      load_val_i32: pass,
      load_val_i64: pass,
      load_val_f32: pass,
      load_val_f64: pass,
      store_val_i32: pass,
      store_val_i64: pass,
      store_val_f32: pass,
      store_val_f64: pass,
      host_free_notifier: (id) => {
        this.#d.freeShared(id!);
        return 0;
      },
      host_invalidate: f.suspending(
        (id: number, ptr: number, s: number, e: number, fl: number, ev: number, seq: number) => {
          const iv = this.#d.interval(id);
          const r = this.#rangeAt(ptr, s, e, fl, ev);
          const cb = (): number | Promise<number> =>
            this.#callback(
              iv.name,
              'invalidate',
              () => iv.ops.invalidate(iv, r, seq >>> 0),
              (v) => (v ? 1 : 0),
            );
          if (r.blockable) return cb();
          // Ours: the kernel opens non_block only around list callbacks (mn_hlist_*), yet
          // mmu_notifier.h forbids an interval's invalidate to sleep on a non-blockable
          // range; the section checks that contract, as the TypeScript core's walk does.
          this.#sched.nonBlockStart();
          try {
            return cb();
          } finally {
            this.#sched.nonBlockEnd();
          }
        },
      ) as Imp,
    };
  }

  /**
   * A subscriber callback: a scheduling point first (controlled, blockable), then `call`;
   * a Promise from it parks the fiber. `conv` turns its value into the C return value.
   */
  #callback(
    who: string,
    what: string,
    call: () => unknown,
    conv: (v: unknown) => number,
  ): number | Promise<number> {
    const s = this.#sched;
    if (s.atomicDepth > 0) {
      const v = call();
      if (isThenable(v)) {
        settled(v); // its own error (a sleep refused) is this one: not an unhandled rejection
        throw new SleepInAtomicError(
          `${what} of '${who}' returned a Promise in non-blockable context`,
        );
      }
      return conv(v);
    }
    if (this.points.direct()) {
      const v = call();
      if (!isThenable(v)) return conv(v);
      return this.#unlessDead(
        (v as Promise<unknown>).then((value) => {
          this.points.entered();
          return conv(value);
        }),
      );
    }
    const op = {
      kind: `callback.${what}`,
      obj: this.points.objectOf(`callback.${who}`, 0),
      write: true,
      name: who,
    };
    return this.#unlessDead(
      s.point(op).then(async () => {
        const v = await call();
        this.points.entered();
        return conv(v);
      }),
    );
  }

  /** A callback the kernel calls where it cannot sleep: a Promise from it is an error. */
  #atOnce(who: string, what: string, v: unknown): unknown {
    if (isThenable(v)) {
      settled(v);
      throw new SleepInAtomicError(
        `${what} of '${who}' returned a Promise; the kernel cannot sleep there`,
      );
    }
    return v;
  }

  /**
   * A parked fiber resumes only into a live instance: when another call died meanwhile (the
   * C state is mid-function), the parking import throws a StateError instead.
   */
  #unlessDead(ret: number | Promise<number>): number | Promise<number> {
    if (typeof ret === 'number') return ret;
    return ret.then((v) => {
      if (this.#dead !== null)
        throw new StateError(
          `resumed into the dead kernel module of '${this.#name}' (${this.#dead})`,
        );
      return v;
    });
  }

  #cString(ptr: number): string {
    const bytes = new Uint8Array(this.x.memory.buffer, ptr >>> 0);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(bytes.subarray(0, end < 0 ? 256 : end));
  }

  #rangeAt(ptr: number, s: number, e: number, fl: number, ev: number): MmuNotifierRange {
    return this.#d.range(ptr) ?? foreignRange(s, e, fl, ev);
  }

  /** Runs one export call on a fiber; a throw through C frames kills the instance. */
  call(what: string, entry: () => number): number | Promise<number> {
    if (this.#dead !== null)
      throw new StateError(`${what}: the kernel module of '${this.#name}' is dead (${this.#dead})`);
    this.points.entered();
    // Called with a spin lock of the model held (`clear_flush_young` under ptl): the call runs
    // whole within the caller's step, as the kernel runs it with preemption off.
    const atomic = this.#sched.controlled && this.#sched.atomicDepth > 0;
    const held: { fiber: Fiber | null } = { fiber: null };
    const ended = (): void => {
      if (held.fiber !== null) this.points.fiberEnded(held.fiber);
    };
    const wrapped = (): number => {
      if (held.fiber === null) {
        held.fiber = this.fibers.current;
        if (atomic && held.fiber !== null) this.points.runWhole(held.fiber);
      }
      return entry();
    };
    const fail = (error: unknown): never => {
      ended();
      this.#dead ??= `${what}: ${error instanceof Error ? error.message : String(error)}`;
      throw error;
    };
    let ret: number | Promise<number>;
    try {
      ret = this.fibers.run(wrapped);
    } catch (error) {
      return fail(error);
    }
    if (!isThenable(ret)) {
      ended();
      return ret;
    }
    return ret.then((v) => {
      ended();
      return v;
    }, fail);
  }

  /** {@link FiberInstance.call}, always a Promise. */
  async callAsync(what: string, entry: () => number): Promise<number> {
    return this.call(what, entry);
  }

  /** A call that has no point (`set_seq`, `read_retry`): synchronous. */
  callSync(what: string, entry: () => number): number {
    const ret = this.call(what, entry);
    if (isThenable(ret)) throw new StateError(`${what} parked: it has no scheduling point`);
    return ret;
  }
}

/** Marks a refused callback's Promise handled (its rejection, if any, is the refusal). */
function settled(v: unknown): void {
  (v as PromiseLike<unknown>).then(undefined, () => undefined);
}

/** A value hook of --instrument-memory: the value itself. */
function pass(_id: number | undefined, value: number | undefined): number {
  return value!;
}

function void0(p: void | Promise<void>): number | Promise<number> {
  return p === undefined ? 0 : p.then(() => 0);
}

function startValue(ret: unknown): number {
  if (ret === undefined) return 0;
  if (typeof ret !== 'number' || !Number.isInteger(ret))
    throw new TypeError(`invalidateRangeStart returned ${String(ret)}, not an int`);
  return ret;
}

function isThenable(value: unknown): value is Promise<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
