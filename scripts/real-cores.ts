/**
 * `tsx scripts/real-cores.ts [--max-schedules N] [--time-limit-ms N] [NAME...]`: every
 * library scenario (or those named) on the real compiled `mm/mmu_notifier.c` of 6.1.192 and
 * 6.12.118, as `mmu-notifier check <name> --core linux-6.1|linux-6.12` runs it, with a
 * bounded budget a cell (default 1,000 schedules and 20 s: `limit` past it is the bound,
 * not a proof). Prints one line a cell with its figures (verdict, schedules, steps, time,
 * schedules/s) and a total; compares each decided verdict with the TypeScript semantics of
 * the same version in docs/matrix.json. For .ci/run.
 *
 * Exit 1 when a real verdict contradicts that semantics with no known reason
 * (`KNOWN_REAL_LIMITS`), or when the itree-unwind pair is not found on real 6.1 and proven
 * on real 6.12; 2 on bad usage or a missing fiber build.
 */

import { pathToFileURL } from 'node:url';
import { scenarioLibrary } from '../src/scenarios/index.ts';
import {
  disagrees,
  KNOWN_REAL_LIMITS,
  type MatrixCell,
  type MatrixRow,
  readMatrix,
  realColumns,
  runRealCell,
} from './matrix.ts';

/** The default budget of one cell. */
export const CI_BUDGET = { maxSchedules: 1000, timeLimitMs: 20_000 } as const;

function parse(argv: readonly string[]): {
  names: string[];
  budget: { maxSchedules: number; timeLimitMs: number };
} {
  const budget: { maxSchedules: number; timeLimitMs: number } = { ...CI_BUDGET };
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--max-schedules' || a === '--time-limit-ms') {
      const n = Number(argv[++i]);
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${a} needs a positive integer`);
      if (a === '--max-schedules') budget.maxSchedules = n;
      else budget.timeLimitMs = n;
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else names.push(a);
  }
  return { names, budget };
}

function figures(c: MatrixCell): string {
  if (c.verdict === 'n/a') return `n/a: ${c.finding}`;
  const rate = c.ms > 0 ? Math.round((c.schedules * 1000) / c.ms) : c.schedules;
  const bound = c.verdict === 'limit' ? ' (bounded)' : '';
  return (
    `${c.verdict}${bound}: ${c.schedules.toLocaleString('en-US')} sch, ` +
    `${(c.steps ?? 0).toLocaleString('en-US')} steps, ${c.ms} ms, ${rate} sch/s`
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const { names, budget } = parse(argv);
  const columns = realColumns();
  const doc = readMatrix();
  const unknown = names.filter((n) => !scenarioLibrary.some((e) => e.scenario.name === n));
  if (unknown.length > 0) throw new Error(`no library scenario ${unknown.join(', ')}`);
  let bad = 0;
  let total = 0;
  const counts = new Map<string, number>();
  const cells = new Map<string, MatrixCell>();
  for (const entry of scenarioLibrary) {
    const name = entry.scenario.name;
    if (names.length > 0 && !names.includes(name)) continue;
    const ts = doc?.rows.find((r) => r.name === name);
    const real: Record<string, MatrixCell> = {};
    for (const c of columns) {
      const cell = await runRealCell(entry, c.semantics, budget);
      real[c.column] = cell;
      cells.set(`${name} ${c.column}`, cell);
      total += cell.ms;
      counts.set(cell.verdict, (counts.get(cell.verdict) ?? 0) + 1);
      let note = '';
      if (ts !== undefined) {
        const row: MatrixRow = { ...ts, real };
        note = ` (TypeScript ${c.semantics}: ${ts.verdicts[c.semantics].verdict})`;
        if (disagrees(row, c)) {
          const why = KNOWN_REAL_LIMITS[name];
          note += why === undefined ? ' DISAGREES, no known reason' : ` differs: ${why}`;
          if (why === undefined) bad++;
        }
      }
      process.stdout.write(`${c.column}  ${name}: ${figures(cell)}${note}\n`);
    }
  }
  const pair = (n: string, col: string) => cells.get(`${n} ${col}`)?.verdict;
  if (names.length === 0 || names.includes('itree-nonblock-unwind-buggy')) {
    const old = pair('itree-nonblock-unwind-buggy', columns[0].column);
    const now = pair('itree-nonblock-unwind-buggy', columns[1].column);
    if (old !== 'found' || now !== 'proven') {
      process.stdout.write(
        `itree-unwind: expected found on 6.1, proven on 6.12; got ${old}, ${now}\n`,
      );
      bad++;
    }
  }
  const summary = [...counts].map(([v, n]) => `${n} ${v}`).join(', ');
  process.stdout.write(
    `real cores: ${cells.size} cells (${summary}) in ${(total / 1000).toFixed(1)} s, ` +
      `budget ${budget.maxSchedules.toLocaleString('en-US')} schedules / ${budget.timeLimitMs / 1000} s a cell` +
      `${bad > 0 ? `; ${bad} unexplained disagreement(s)` : ''}\n`,
  );
  return bad > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `real-cores: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(2);
    },
  );
}
