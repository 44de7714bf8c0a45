/**
 * A small seeded generator (SplitMix32 seeding a xoshiro128** state): the only source of
 * randomness in the checker, so that a seed repeats a run bit for bit. Never `Math.random`.
 */

import { assertInternal } from '../errors.ts';

function splitMix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A deterministic pseudo-random generator (xoshiro128**), seeded by an integer. */
export class SeededRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** @param seed any safe integer; equal seeds give equal sequences. */
  constructor(seed: number) {
    assertInternal(Number.isSafeInteger(seed), `seed must be a safe integer, got ${seed}`);
    const state = { s: (seed ^ Math.floor(seed / 0x1_0000_0000)) | 0 };
    this.#a = splitMix32(state);
    this.#b = splitMix32(state);
    this.#c = splitMix32(state);
    this.#d = splitMix32(state);
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** An integer in [0, bound), `bound` a positive integer. */
  below(bound: number): number {
    assertInternal(Number.isInteger(bound) && bound > 0, `below(${bound})`);
    return Math.floor(this.next() * bound);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
