/**
 * Goal: under random register/unregister/get/put/insert/remove/invalidate sequences
 * (blockable and not, random EAGAIN, throws, async starts, two-pass intervals) the `current`
 * core keeps exact pairing, the `invalidate_seq` protocol and leaks no subscription.
 * Method: fast-check `fc.commands` against a plain reference model that re-states the
 * kernel's rules (mn_itree_inv_start_range / mn_itree_inv_end / insert / remove) and ours
 * (who gets an end). Each command compares the callbacks the real core made with the ones
 * the model predicts, and the seq, active count and sizes; a final cleanup checks that
 * everything is released and every freeNotifier ran once. Runs: 1,000, or MMU_FC_RUNS.
 */

import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import type { MmuNotifierRange } from '../../src/core/range.ts';
import { EAGAIN } from '../../src/core/range.ts';
import { Harness, type Model, type Outcome } from './model-harness.ts';

const RUNS = Number(process.env['MMU_FC_RUNS'] ?? 1000);

type Cmd = fc.AsyncCommand<Model, Harness>;

const outcomeArb: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Outcome>('ok') },
  { weight: 2, arbitrary: fc.constant<Outcome>('fail') },
  { weight: 1, arbitrary: fc.constant<Outcome>('throw') },
  { weight: 1, arbitrary: fc.constant<Outcome>('async') },
);

class Register implements Cmd {
  constructor(readonly hasEnd: boolean) {}
  check = (m: Readonly<Model>) => m.subs.size < 6;
  async run(_m: Model, h: Harness) {
    h.register(this.hasEnd);
  }
  toString = () => `register(end=${this.hasEnd})`;
}

class Get implements Cmd {
  constructor(readonly table: number) {}
  check = (m: Readonly<Model>) => m.subs.size < 6;
  async run(_m: Model, h: Harness) {
    h.get(this.table);
  }
  toString = () => `get(${this.table})`;
}

class Unsubscribe implements Cmd {
  constructor(
    readonly pick: number,
    readonly viaPut: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.subs.size > 0;
  async run(_m: Model, h: Harness) {
    await h.unsubscribe(this.pick, this.viaPut);
  }
  toString = () => `${this.viaPut ? 'put' : 'unregister'}(#${this.pick})`;
}

class Insert implements Cmd {
  constructor(
    readonly start: number,
    readonly length: number,
    readonly twoPass: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.intervals.size < 8;
  async run(_m: Model, h: Harness) {
    h.insert(this.start, this.length, this.twoPass);
  }
  toString = () => `insert(${this.start}, ${this.length}, twoPass=${this.twoPass})`;
}

class Remove implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.intervals.size > 0;
  async run(_m: Model, h: Harness) {
    h.remove(this.pick);
  }
  toString = () => `remove(#${this.pick})`;
}

class Start implements Cmd {
  constructor(
    readonly range: MmuNotifierRange,
    readonly outcomes: readonly Outcome[],
  ) {}
  check = (m: Readonly<Model>) => m.open.length < 4;
  async run(_m: Model, h: Harness) {
    await h.start({ ...this.range }, this.outcomes);
  }
  toString = () =>
    `start([${this.range.start}, ${this.range.end}), ${this.range.blockable ? 'blockable' : 'nonblock'}, ${this.outcomes.join('/')})`;
}

class End implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.open.length > 0;
  async run(_m: Model, h: Harness) {
    await h.end(this.pick);
  }
  toString = () => `end(#${this.pick})`;
}

const commands = [
  fc.boolean().map((e) => new Register(e)),
  fc.integer({ min: 0, max: 1 }).map((t) => new Get(t)),
  fc.tuple(fc.nat(), fc.boolean()).map(([p, put]) => new Unsubscribe(p, put)),
  fc
    .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 20 }), fc.boolean())
    .map(([s, l, t]) => new Insert(s, l, t)),
  fc.nat().map((p) => new Remove(p)),
  fc
    .tuple(
      fc.integer({ min: 0, max: 70 }),
      fc.integer({ min: 1, max: 30 }),
      fc.boolean(),
      fc.array(outcomeArb, { minLength: 1, maxLength: 5 }),
    )
    .map(([s, l, b, o]) => new Start({ start: s, end: s + l, event: 'unmap', blockable: b }, o)),
  fc.nat().map((p) => new End(p)),
];

it(`model: random subscribe/invalidate sequences keep pairing, seq parity, no leaks (${RUNS} runs)`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
      const harness = new Harness();
      await fc.asyncModelRun(() => ({ model: harness.model, real: harness }), cmds);
      await harness.cleanup();
    }),
    { numRuns: RUNS },
  );
  assert.equal(EAGAIN, -11);
});
