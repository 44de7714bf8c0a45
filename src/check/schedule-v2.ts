/**
 * The run-length body of a `v2` schedule string (see `schedule.ts` for the versions): the
 * choices of `v1`, with repeats folded. A livelock's schedule (10,000 steps of one retry
 * loop) takes a few dozen characters instead of 20,000.
 *
 * | body item   | expands to                         | example       |
 * |-------------|------------------------------------|---------------|
 * | `t`         | task `t` once                      | `2`           |
 * | `t*n`       | task `t`, `n` times                | `2*9990`      |
 * | `(items)*n` | the items (no group inside), `n` times | `(0.1*2)*500` |
 *
 * Items are joined by `.`; `n` >= 2. The encoder is greedy: at each position it folds the
 * repeat (period 1 to {@link PERIOD_MAX}) that covers the most steps, so the same choices
 * always give the same string. `decodeBody(encodeBody(c))` equals `c` (tested).
 */

/** The longest repeated period the encoder folds into a group. */
export const PERIOD_MAX = 16;

/** How many times `choices[at, at + period)` repeats from `at` (1 when it does not). */
function repeats(choices: readonly number[], at: number, period: number): number {
  let k = 1;
  while (at + (k + 1) * period <= choices.length) {
    const from = at + k * period;
    let same = true;
    for (let j = 0; j < period && same; j++) same = choices[from + j] === choices[at + j];
    if (!same) break;
    k++;
  }
  return k;
}

/** Run lengths only (a group's body). */
function runs(choices: readonly number[]): string[] {
  const items: string[] = [];
  for (let i = 0; i < choices.length; ) {
    const k = repeats(choices, i, 1);
    items.push(k === 1 ? String(choices[i]) : `${choices[i]}*${k}`);
    i += k;
  }
  return items;
}

/** The v2 body of `choices` (valid task indices, checked by the caller). */
export function encodeBody(choices: readonly number[]): string {
  const items: string[] = [];
  for (let i = 0; i < choices.length; ) {
    let bestPeriod = 1;
    let bestRepeats = 1;
    for (let period = 1; period <= PERIOD_MAX && i + 2 * period <= choices.length; period++) {
      const k = repeats(choices, i, period);
      if (k >= 2 && period * (k - 1) > bestPeriod * (bestRepeats - 1)) {
        bestPeriod = period;
        bestRepeats = k;
      }
    }
    if (bestPeriod === 1) {
      const k = repeats(choices, i, 1);
      items.push(k === 1 ? String(choices[i]) : `${choices[i]}*${k}`);
      i += k;
      continue;
    }
    const body = runs(choices.slice(i, i + bestPeriod)).join('.');
    items.push(`(${body})*${bestRepeats}`);
    i += bestPeriod * bestRepeats;
  }
  return items.join('.');
}

const ITEM = /^(\d{1,2})(?:\*(\d{1,7}))?$/;

/**
 * The choices of a v2 body, at most `stepsMax` of them, each below `tasksMax`.
 * @param bad throws the caller's error for a malformed body (it never returns).
 */
export function decodeBody(
  body: string,
  stepsMax: number,
  tasksMax: number,
  bad: (why: string) => never,
): number[] {
  const choices: number[] = [];
  const push = (task: number, times: number): void => {
    if (choices.length + times > stepsMax) bad(`more than ${stepsMax} steps`);
    for (let j = 0; j < times; j++) choices.push(task);
  };
  const plain = (item: string): [number, number] => {
    const match = ITEM.exec(item);
    if (match === null) bad(`'${item}' is not a task index, 't*n' or '(...)*n'`);
    const task = Number(match[1]);
    const times = match[2] === undefined ? 1 : Number(match[2]);
    if (task >= tasksMax) bad(`'${item}' is not a task index in [0, ${tasksMax})`);
    if (match[2] !== undefined && times < 2) bad(`'${item}': a repeat count is at least 2`);
    return [task, times];
  };
  if (body === '') return choices;
  for (const item of splitItems(body, bad)) {
    const group = /^\(([^()]+)\)\*(\d{1,7})$/.exec(item);
    if (group === null) {
      const [task, times] = plain(item);
      push(task, times);
      continue;
    }
    const times = Number(group[2]);
    if (times < 2) bad(`'${item}': a repeat count is at least 2`);
    const inner = group[1]!.split('.').map(plain);
    for (let r = 0; r < times; r++) for (const [task, n] of inner) push(task, n);
  }
  return choices;
}

/** Splits a body at the dots outside parentheses. */
function splitItems(body: string, bad: (why: string) => never): string[] {
  const items: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth < 0 || depth > 1) bad('unbalanced or nested parentheses');
    if (c === '.' && depth === 0) {
      items.push(body.slice(from, i));
      from = i + 1;
    }
  }
  if (depth !== 0) bad('unbalanced parentheses');
  items.push(body.slice(from));
  return items;
}
