/**
 * What each open range still owes under the real kernel's rules and not under `current`'s
 * (ours: exact pairing), so that `current` can be compared past a classified difference:
 * the caller's end of a range gives the real code's every listed notifier an end, and
 * `current` only those whose start succeeded in it. The ledger names, per open range, the
 * notifiers the real end will call and `current` will not:
 *
 * | owed end for                                        | row of docs/semantics.md |
 * |-----------------------------------------------------|--------------------------|
 * | a notifier registered (or got) while it was open    | `register-in-flight`     |
 * | a notifier whose blockable start failed in it       | `blockable-failure`      |
 *
 * Driven by the steps both sides ran (`note` after each one), never by either side's
 * internals. Limits: one entry per open range object; at most as many as the model's.
 */

import type { MmuNotifierRange } from '../../src/core/range.ts';
import type { StepInfo } from './commands.ts';
import { type NotifierSpec, startAnswer } from './sides.ts';
import type { DifferenceClass } from './versions.ts';

/** The end a range owes one notifier, and why. */
type Owed = Map<string, DifferenceClass>;

/** The ledger of one run. */
export class Ledger {
  readonly #specs = new Map<string, NotifierSpec>();
  readonly #keySpecs = new Map<number, NotifierSpec>();
  readonly #owed = new Map<MmuNotifierRange, Owed>();

  /** The ends `range` owes (empty when none). */
  owedBy(range: MmuNotifierRange): ReadonlyMap<string, DifferenceClass> {
    return this.#owed.get(range) ?? new Map();
  }

  /**
   * Records a step both sides ran: `answer` is its agreed answer, `calls` the callbacks
   * `current` made, `open` the ranges open before it.
   */
  note(
    info: StepInfo,
    answer: string,
    calls: readonly string[],
    open: readonly MmuNotifierRange[],
  ): void {
    switch (info.kind) {
      case 'register':
        if (answer !== 'ok') return; // refused
        this.#specs.set(info.label, info.spec);
        this.#joined(info.label, info.spec, open);
        return;
      case 'get': {
        if (!this.#keySpecs.has(info.key)) this.#keySpecs.set(info.key, info.spec);
        const spec = this.#keySpecs.get(info.key)!;
        if (answer !== info.label) return; // an existing subscription: nothing new
        this.#specs.set(info.label, spec);
        this.#joined(info.label, spec, open);
        return;
      }
      case 'start':
        if (info.range.blockable) this.#failedBlockable(info.range, calls);
        return;
      case 'end':
        this.#owed.delete(info.range);
        return;
      default:
        return;
    }
  }

  /** A notifier with an end listed while `open` ranges run: each owes it an end. */
  #joined(label: string, spec: NotifierSpec, open: readonly MmuNotifierRange[]): void {
    if (!spec.end) return;
    for (const r of open) this.#owe(r, label, 'register-in-flight');
  }

  /** The notifiers with an end whose start failed in blockable `range`. */
  #failedBlockable(range: MmuNotifierRange, calls: readonly string[]): void {
    for (const line of calls) {
      if (!line.startsWith('start ')) continue;
      const label = line.split(' ')[1] ?? '';
      const spec = this.#specs.get(label);
      if (spec?.end && startAnswer(spec.start, range) !== 0)
        this.#owe(range, label, 'blockable-failure');
    }
  }

  #owe(range: MmuNotifierRange, label: string, why: DifferenceClass): void {
    let owed = this.#owed.get(range);
    if (owed === undefined) this.#owed.set(range, (owed = new Map()));
    if (!owed.has(label)) owed.set(label, why);
  }
}
