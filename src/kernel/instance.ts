/**
 * One instance of a real-kernel module and the mechanism of calling into it: the exports,
 * the call depth, and the wrapper that turns the shim's signals (thrown by the host imports
 * through the wasm frames) into typed errors. A signal unwinds C frames without running
 * their epilogues, so the wrapper restores the shadow stack pointer (`__stack_pointer`)
 * saved at the outermost call.
 *
 * States: *live*, *dead* (a BUG_ON, a callback that threw, or a would-sleep inside a nested
 * call: the C state is mid-function, nothing more can run). A would-sleep at the outermost
 * call leaves it *live*: the thread stopped at a wait, the state is what it left.
 */

import { KernelBugError, KernelWouldSleepError, StateError } from '../errors.ts';
import type { DriverExports } from './exports.ts';
import { BugSignal, hostImports, type ImportHost, WouldSleepSignal } from './host-imports.ts';
import type { KernelModule } from './module.ts';

/** What the imports dispatch to (the instance supplies `depth` and `cString` itself). */
export type Dispatch = Omit<ImportHost, 'depth' | 'cString'>;

/** A module instance with its call wrapper. Internal to `src/kernel`. */
export class KernelInstance {
  /** The module's exports. */
  readonly x: DriverExports;
  #depth = 0;
  #dead: string | null = null;

  constructor(
    mod: KernelModule,
    readonly name: string,
    dispatch: Dispatch,
  ) {
    const self = this;
    const env = hostImports({
      ...dispatch,
      get depth() {
        return self.#depth;
      },
      cString: (ptr) => this.cString(ptr),
    });
    const instance = new WebAssembly.Instance(mod.module, { env });
    this.x = instance.exports as unknown as DriverExports;
    this.x.dn_init();
  }

  /** Why the instance is dead, or null. */
  get dead(): string | null {
    return this.#dead;
  }

  /** A NUL-terminated string of the module's memory (at most 256 bytes when unterminated). */
  cString(ptr: number): string {
    const bytes = new Uint8Array(this.x.memory.buffer, ptr >>> 0);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(bytes.subarray(0, end < 0 ? 256 : end));
  }

  /**
   * Runs one call into the module (`what` names it in errors).
   * @throws KernelWouldSleepError, KernelBugError, a callback's error; StateError when dead.
   */
  call<T>(what: string, fn: () => T): T {
    if (this.#dead !== null)
      throw new StateError(`${what}: the kernel module of '${this.name}' is dead (${this.#dead})`);
    const outer = this.#depth === 0;
    const sp = outer ? (this.x.__stack_pointer.value as number) : 0;
    this.#depth++;
    try {
      return fn();
    } catch (error) {
      if (!outer) throw error;
      this.x.__stack_pointer.value = sp;
      throw this.#fail(what, error);
    } finally {
      this.#depth--;
    }
  }

  #fail(what: string, error: unknown): unknown {
    if (error instanceof WouldSleepSignal) {
      const { file, line, condition } = error.site;
      if (error.depth > 1) this.#dead = `${what}: a nested call would sleep`;
      return new KernelWouldSleepError(
        `${what} would sleep at ${file}:${line}: ${condition}`,
        error.site,
      );
    }
    if (error instanceof BugSignal) {
      const { file, line, condition } = error.site;
      this.#dead = `BUG_ON(${condition}) at ${file}:${line}`;
      return new KernelBugError(`${what}: BUG_ON(${condition}) at ${file}:${line}`, error.site);
    }
    this.#dead = `${what}: a callback threw`;
    return error;
  }
}
