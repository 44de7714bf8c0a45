/**
 * Fibers over one Asyncify-transformed WebAssembly instance: the mechanism that lets a call
 * into the real kernel's C code park at a host import and another call run meanwhile
 * (Emscripten's fibers, on Binaryen's Asyncify; the build is `scripts/kernel/build.ts`).
 *
 * Protocol
 * --------
 * Each call into the module ({@link FiberStacks.run}) gets a *fiber*: its own C stack region
 * (the `__stack_pointer` global is switched to it) and its own Asyncify data buffer, both
 * in the module's memory, taken from a pool and returned when the call ends (so memory
 * stays flat over any number of calls). A fiber is in one of four states:
 *
 * | state       | reached by                                     | leaves by                          |
 * |-------------|------------------------------------------------|------------------------------------|
 * | *running*   | `run()`, or a rewind                           | its export returns (*done*), an import parks it, a throw (*failed*) |
 * | *parked*    | a {@link FiberStacks.suspending} import returned a Promise: the wasm stack was unwound into its buffer | the Promise settles: rewind, the import returns its value (or throws its error) |
 * | *done*      | the export returned                            | never (buffers back to the pool)   |
 * | *failed*    | a throw through the wasm frames (no epilogue ran) | never (buffers back to the pool; the module's C state is what the throw left) |
 *
 * Rules: an import parks only when it returns a Promise (a value continues at once, with no
 * unwind); a fiber is resumed only from a promise continuation, so never while another
 * fiber's frames are on the wasm stack; a `run()` from inside an import (a callback calling
 * back into the module) starts a nested fiber on its own stack, which may itself park (its
 * unwind stops at its own export call) -- the outer fiber's frames are untouched. The
 * global stack pointer is saved and restored around every entry and re-entry.
 *
 * Limits: {@link FIBERS_MAX} fibers alive at once (OverflowError past it); an Asyncify
 * buffer of {@link FIBER_DATA_BYTES} (the kernel's call chains are shallow; Asyncify traps
 * with `unreachable` past it) and a C stack of {@link FIBER_STACK_BYTES} per fiber.
 */

import { InternalError, OverflowError } from '../../errors.ts';

/** The exports Asyncify and the driver add to the fiber build. */
export interface AsyncifyExports {
  readonly memory: WebAssembly.Memory;
  readonly __stack_pointer: WebAssembly.Global;
  asyncify_start_unwind(data: number): void;
  asyncify_stop_unwind(): void;
  asyncify_start_rewind(data: number): void;
  asyncify_stop_rewind(): void;
  asyncify_get_state(): number;
  /** `kmalloc` of a fiber's region (never freed: the pool reuses it). */
  dn_fiber_alloc(bytes: number): number;
}

/** Fibers alive at once (parked or running). */
export const FIBERS_MAX = 64;
/** A fiber's C stack. */
export const FIBER_STACK_BYTES = 16 * 1024;
/** A fiber's Asyncify buffer (the saved locals of every frame of a parked call). */
export const FIBER_DATA_BYTES = 8 * 1024;

const STATE_NORMAL = 0;
const STATE_UNWINDING = 1;
const STATE_REWINDING = 2;

/** One fiber's memory: a C stack and an Asyncify buffer. */
interface Slot {
  /** The Asyncify data header (`{ i32 current, i32 end }`), then the buffer. */
  readonly data: number;
  /** The top of its C stack (stacks grow down). */
  readonly stackTop: number;
}

/** A call in progress. */
export class Fiber {
  /** The stack pointer at its last unwind (where it continues). */
  sp = 0;
  /** What the parking import waits for. */
  pending: Promise<unknown> | null = null;
  /** The settled value or error handed to the parking import on rewind. */
  resumeWith: { ok: true; value: unknown } | { ok: false; error: unknown } | null = null;
  /** Times it parked. */
  parks = 0;
  /** Parked now (unwound, waiting for its Promise). */
  parked = false;
  constructor(
    /** A serial number, unique per {@link FiberStacks}. */
    readonly id: number,
    readonly slot: Slot,
    readonly entry: () => number,
    /** Free for the caller (the task, for a scheduler). */
    readonly tag: unknown,
  ) {}
}

/** Counters of one {@link FiberStacks}. */
export interface FiberStats {
  /** Fibers started. */
  readonly started: number;
  /** Fibers alive now (running or parked). */
  readonly alive: number;
  /** Slots allocated in the module's memory (the high-water mark of {@link alive}). */
  readonly slots: number;
  /** Slots on the free list. */
  readonly freeSlots: number;
  /** Parks (each is one unwind and one rewind). */
  readonly switches: number;
}

/** The fibers of one instance. */
export class FiberStacks {
  readonly #x: AsyncifyExports;
  readonly #free: Slot[] = [];
  /** Every slot's `[data, stackTop)`, flat (a slot is private to the fiber that holds it). */
  readonly #bounds: number[] = [];
  #slots = 0;
  #alive = 0;
  #started = 0;
  #switches = 0;
  #current: Fiber | null = null;
  readonly #live = new Set<Fiber>();

  constructor(exports: AsyncifyExports) {
    this.#x = exports;
  }

  /** The running fiber (the innermost, for a nested run), or null outside the module. */
  get current(): Fiber | null {
    return this.#current;
  }

  /**
   * True when `addr` lies in a fiber slot (some fiber's C stack or Asyncify buffer): memory
   * private to the fiber holding the slot.
   */
  inSlot(addr: number): boolean {
    const b = this.#bounds;
    for (let i = 0; i < b.length; i += 2) if (addr >= b[i]! && addr < b[i + 1]!) return true;
    return false;
  }

  /**
   * The C stack region of every fiber alive now and where its stack pointer is (the last
   * unwind's, for a parked one): `[bottom, top)`, disjoint by construction.
   */
  regions(): { id: number; bottom: number; top: number; sp: number; parked: boolean }[] {
    return [...this.#live].map((f) => ({
      id: f.id,
      bottom: f.slot.stackTop - FIBER_STACK_BYTES,
      top: f.slot.stackTop,
      sp: f.sp,
      parked: f.parked,
    }));
  }

  /** Counters: started, alive, slots, free slots, switches. */
  get stats(): FiberStats {
    return {
      started: this.#started,
      alive: this.#alive,
      slots: this.#slots,
      freeSlots: this.#free.length,
      switches: this.#switches,
    };
  }

  /**
   * Wraps an import so that it may park the calling fiber: `impl` returns a value
   * (continue at once) or a Promise (park until it settles; its value is the import's).
   * Pairs with the unwind check of {@link FiberStacks.run}.
   */
  suspending<A extends number[]>(
    impl: (...args: A) => number | undefined | Promise<number | undefined>,
  ): (...args: A) => number {
    return (...args: A): number => {
      const fiber = this.#current;
      if (fiber !== null && this.#x.asyncify_get_state() === STATE_REWINDING) {
        this.#x.asyncify_stop_rewind();
        const r = fiber.resumeWith;
        fiber.resumeWith = null;
        if (r === null) throw new InternalError('fiber rewound with nothing to resume with');
        if (!r.ok) throw r.error;
        return (r.value as number | undefined) ?? 0;
      }
      const ret = impl(...args);
      if (!isThenable(ret)) return ret ?? 0;
      if (fiber === null) throw new InternalError('an import parked outside any fiber');
      fiber.pending = ret;
      const view = new Int32Array(this.#x.memory.buffer);
      view[fiber.slot.data >> 2] = fiber.slot.data + 8;
      view[(fiber.slot.data >> 2) + 1] = fiber.slot.data + FIBER_DATA_BYTES;
      this.#x.asyncify_start_unwind(fiber.slot.data);
      return 0;
    };
  }

  /**
   * Runs `entry` (one call of an export) on a fresh fiber: its value when it ends without
   * parking, else a Promise of it. `tag` is kept on the fiber for the imports.
   * @throws OverflowError past {@link FIBERS_MAX} fibers; whatever the call throws.
   */
  run(entry: () => number, tag?: unknown): number | Promise<number> {
    const fiber = new Fiber(++this.#started, this.#take(), entry, tag);
    this.#alive++;
    this.#live.add(fiber);
    return this.#step(fiber, false);
  }

  /** Enters (or re-enters) `fiber` until it ends or parks. */
  #step(fiber: Fiber, rewind: boolean): number | Promise<number> {
    const x = this.#x;
    const outerSp = x.__stack_pointer.value as number;
    const outer = this.#current;
    x.__stack_pointer.value = rewind ? fiber.sp : fiber.slot.stackTop;
    if (rewind) x.asyncify_start_rewind(fiber.slot.data);
    this.#current = fiber;
    fiber.parked = false;
    let ret: number;
    try {
      ret = fiber.entry();
    } catch (error) {
      // A throw through the frames: no epilogue ran, the fiber is gone.
      if (x.asyncify_get_state() === STATE_UNWINDING) x.asyncify_stop_unwind();
      this.#current = outer;
      x.__stack_pointer.value = outerSp;
      this.#end(fiber);
      throw error;
    }
    this.#current = outer;
    if (x.asyncify_get_state() === STATE_UNWINDING) {
      x.asyncify_stop_unwind();
      fiber.sp = x.__stack_pointer.value as number;
      x.__stack_pointer.value = outerSp;
      fiber.parks++;
      fiber.parked = true;
      this.#switches++;
      const pending = fiber.pending!;
      fiber.pending = null;
      return pending.then(
        (value) => this.#resume(fiber, { ok: true, value }),
        (error: unknown) => this.#resume(fiber, { ok: false, error }),
      );
    }
    if (x.asyncify_get_state() !== STATE_NORMAL)
      throw new InternalError(
        `fiber ${fiber.id} ended in asyncify state ${x.asyncify_get_state()}`,
      );
    x.__stack_pointer.value = outerSp;
    this.#end(fiber);
    return ret;
  }

  #resume(fiber: Fiber, value: Fiber['resumeWith']): number | Promise<number> {
    fiber.resumeWith = value;
    return this.#step(fiber, true);
  }

  #take(): Slot {
    const slot = this.#free.pop();
    if (slot !== undefined) return slot;
    if (this.#slots >= FIBERS_MAX)
      throw new OverflowError(`more than ${FIBERS_MAX} fibers alive in one kernel instance`);
    const base = this.#x.dn_fiber_alloc(FIBER_DATA_BYTES + FIBER_STACK_BYTES + 16) >>> 0;
    if (base === 0) throw new OverflowError('the kernel module is out of memory for a fiber');
    const data = (base + 15) & ~15;
    this.#slots++;
    const stackTop = data + FIBER_DATA_BYTES + FIBER_STACK_BYTES;
    this.#bounds.push(data, stackTop);
    return { data, stackTop };
  }

  #end(fiber: Fiber): void {
    this.#alive--;
    this.#live.delete(fiber);
    this.#free.push(fiber.slot);
  }
}

function isThenable(value: unknown): value is Promise<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
