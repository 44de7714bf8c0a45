/**
 * The semantics matrix: every library scenario checked under each semantics (its library
 * defaults, the semantics overridden; `kernel`, an alias of `linux-6.12`, has no column of
 * its own), as `mmu-notifier check <name>
 * --semantics <s>` would. Writes `docs/matrix.json` (read by `mmu-notifier list --json`)
 * and the table between `<!-- matrix:start -->` and `<!-- matrix:end -->` in README.md
 * (under "## Semantics matrix", added at the end if absent). Nothing else is touched.
 *
 * Usage: `npm run matrix` (all scenarios), or `tsx scripts/matrix.ts NAME...` to re-check
 * only those rows (the others are kept from docs/matrix.json).
 *
 * Verdicts: `found` (a finding), `proven` (a complete search, no finding), `limit` (no
 * finding, but the search stopped at a budget or a bound: not a proof), `n/a` (the scenario
 * uses what the real code does not have; the reason is in the cell).
 *
 * The real columns ({@link MATRIX_REAL}): the same scenario on the real compiled
 * `mm/mmu_notifier.c` of each Debian version (`mmu-notifier check <name> --core linux-6.1`),
 * bounded at {@link REAL_BUDGET_MS} a cell. Where a real verdict and the TypeScript
 * semantics of that version disagree (found against proven), the cell is marked `≠` and
 * the script names it, unless {@link KNOWN_REAL_LIMITS} gives the reason.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { check } from '../src/check/check.ts';
import type { CheckResult } from '../src/check/types.ts';
import { SEMANTICS, type Semantics } from '../src/core/range.ts';
import { ScenarioSetupError } from '../src/errors.ts';
import { availableKernelModules } from '../src/kernel/module.ts';
import { type ScenarioEntry, scenarioLibrary } from '../src/scenarios/index.ts';

/** The semantics, in column order: every one but the alias `kernel` (= `linux-6.12`). */
export const MATRIX_SEMANTICS: readonly Semantics[] = SEMANTICS.filter((s) => s !== 'kernel');

/** The real-core columns: each Debian version's compiled code, under that version's semantics. */
export const MATRIX_REAL = [
  { column: 'real 6.1.192', series: '6.1', semantics: 'linux-6.1' },
  { column: 'real 6.12.118', series: '6.12', semantics: 'linux-6.12' },
] as const;

/** The wall-time budget of one real-core cell (a `limit` past it: bounded, not a proof). */
export const REAL_BUDGET_MS = 30_000;

/**
 * Why a scenario's real cells may differ from the TypeScript semantics of that version:
 * what the shims or the real code leave out, per scenario.
 */
export const KNOWN_REAL_LIMITS: Readonly<Record<string, string>> = {
  'two-pass-multi-gpu':
    'two-pass interval callbacks (the 2026 proposal) are not in 6.1.192 or 6.12.118; the TypeScript core offers them under every semantics',
};

/**
 * Library scenarios with no address space of their own to put on a core: they model a
 * historic core in their own code, so the real columns are `n/a` (the reason in the cell).
 */
export const NO_CORE: Readonly<Record<string, string>> = {
  '319561669a59-buggy': 'models v5.17 / v5.18 interval removal in its own code (no address space)',
  '319561669a59-fixed': 'models v5.17 / v5.18 interval removal in its own code (no address space)',
  'd34883d4e35c-buggy':
    'models the 751efd8610d3 / d34883d4e35c release path in its own code (no address space)',
  'd34883d4e35c-fixed':
    'models the 751efd8610d3 / d34883d4e35c release path in its own code (no address space)',
};

/** What the checker concluded. */
export type Verdict = 'found' | 'proven' | 'limit' | 'n/a';

/** One cell: one scenario under one semantics. */
export interface MatrixCell {
  readonly verdict: Verdict;
  /** Schedules run (search, minimization and replay), as the checker prints them. */
  readonly schedules: number;
  /** Steps run (real-core cells; informative). */
  readonly steps?: number;
  /** Wall time in milliseconds (informative; varies between machines). */
  readonly ms: number;
  /** The finding's kind and message, for `found`. */
  readonly finding?: string;
}

/** One row: a library scenario and its verdict under each semantics. */
export interface MatrixRow {
  readonly name: string;
  readonly expect: ScenarioEntry['expect'];
  readonly defaultSemantics: Semantics;
  readonly verdicts: Readonly<Record<Semantics, MatrixCell>>;
  /** The real-core cells by {@link MATRIX_REAL} column (absent in a matrix from before them). */
  readonly real?: Readonly<Record<string, MatrixCell>>;
}

/** The document written to docs/matrix.json. */
export interface MatrixDoc {
  readonly generatedBy: string;
  readonly semantics: readonly Semantics[];
  /** The real-core columns, in order (absent in a matrix from before them). */
  readonly realCores?: readonly string[];
  readonly rows: readonly MatrixRow[];
}

const ROOT = new URL('../', import.meta.url);
/** docs/matrix.json. */
export const MATRIX_JSON = new URL('docs/matrix.json', ROOT);
const README = new URL('README.md', ROOT);
const START = '<!-- matrix:start -->';
const END = '<!-- matrix:end -->';
const HEADING = '## Semantics matrix';

/** The verdict of one check result. */
export function verdictOf(result: CheckResult): Verdict {
  if (!result.ok) return 'found';
  return result.stats.complete ? 'proven' : 'limit';
}

/** Checks `entry` under `semantics` with its library defaults (as the CLI does). */
export async function runCell(entry: ScenarioEntry, semantics: Semantics): Promise<MatrixCell> {
  return cellOf(await check(entry.scenario, { ...entry.defaults, semantics }));
}

/**
 * Checks `entry` on the real core of `semantics`' version with its library defaults, bounded
 * at {@link REAL_BUDGET_MS} (as `mmu-notifier check <name> --core <semantics>` would).
 * `n/a` when the scenario's setup uses what the real code does not have.
 */
export async function runRealCell(
  entry: ScenarioEntry,
  semantics: 'linux-6.1' | 'linux-6.12',
  budget: { readonly maxSchedules?: number; readonly timeLimitMs?: number } = {},
): Promise<MatrixCell> {
  const no = NO_CORE[entry.scenario.name];
  if (no !== undefined) return { verdict: 'n/a', schedules: 0, ms: 0, finding: no };
  const options = { ...entry.defaults, semantics, core: 'real' as const };
  const t0 = performance.now();
  try {
    const ms = Math.min(
      Number(entry.defaults?.timeLimitMs ?? REAL_BUDGET_MS),
      budget.timeLimitMs ?? REAL_BUDGET_MS,
    );
    const result = await check(entry.scenario, {
      ...options,
      timeLimitMs: ms,
      ...(budget.maxSchedules === undefined ? {} : { maxSchedules: budget.maxSchedules }),
    });
    return cellOf(result, true);
  } catch (error) {
    if (!(error instanceof ScenarioSetupError && /not in the real/.test(error.message)))
      throw error;
    return {
      verdict: 'n/a',
      schedules: 0,
      ms: Math.round(performance.now() - t0),
      // The reason only: no scenario prefix, no absolute path (the matrix is machine-independent).
      finding: error.message.replace(/^.*?Error: /, '').replace(/ at \/\S+$/, ''),
    };
  }
}

function cellOf(result: CheckResult, steps = false): MatrixCell {
  const f = result.finding;
  return {
    verdict: verdictOf(result),
    schedules: result.stats.schedules,
    ...(steps ? { steps: result.stats.steps } : {}),
    ms: Math.round(result.stats.elapsedMs),
    ...(f === undefined
      ? {}
      : { finding: f.message.startsWith(`${f.kind}:`) ? f.message : `${f.kind}: ${f.message}` }),
  };
}

/** The real columns of the modules built now: an error when one is missing or another version. */
export function realColumns(): typeof MATRIX_REAL {
  const built = availableKernelModules().filter((m) => m.fiberPath !== undefined);
  for (const c of MATRIX_REAL) {
    const m = built.find((b) => b.series === c.series);
    if (m === undefined || `real ${m.version}` !== c.column)
      throw new Error(
        `matrix: ${c.column} needs the fiber build of ${c.series} (built: ${m?.version ?? 'none'}); run npm run kernel`,
      );
  }
  return MATRIX_REAL;
}

/** Checks `entry` under every semantics, then on each real core. */
export async function runRow(entry: ScenarioEntry): Promise<MatrixRow> {
  const verdicts = {} as Record<Semantics, MatrixCell>;
  for (const s of MATRIX_SEMANTICS) verdicts[s] = await runCell(entry, s);
  const real: Record<string, MatrixCell> = {};
  for (const c of realColumns()) real[c.column] = await runRealCell(entry, c.semantics);
  return {
    name: entry.scenario.name,
    expect: entry.expect,
    defaultSemantics: entry.defaults?.semantics ?? 'current',
    verdicts,
    real,
  };
}

/**
 * True when the real cell and the TypeScript semantics of its version reach opposite
 * conclusions (found against proven); a bound (`limit`) or `n/a` decides nothing.
 */
export function disagrees(row: MatrixRow, column: (typeof MATRIX_REAL)[number]): boolean {
  const real = row.real?.[column.column]?.verdict;
  const ts = row.verdicts[column.semantics].verdict;
  const decided = (v: Verdict | undefined): boolean => v === 'found' || v === 'proven';
  return decided(real) && decided(ts) && real !== ts;
}

function cellText(c: MatrixCell): string {
  if (c.verdict === 'n/a') return 'n/a';
  const time = c.ms >= 1000 ? `${(c.ms / 1000).toFixed(1)} s` : `${c.ms} ms`;
  return `${c.verdict} (${c.schedules.toLocaleString('en-US')} sch, ${time})`;
}

function realCellText(r: MatrixRow, c: (typeof MATRIX_REAL)[number]): string {
  const cell = r.real?.[c.column];
  if (cell === undefined) return '?';
  return `${cellText(cell)}${disagrees(r, c) ? ' ≠' : ''}`;
}

/** The Markdown table of `doc` (default semantics in bold). */
export function renderTable(doc: MatrixDoc): string {
  const real = MATRIX_REAL.filter((c) => doc.realCores?.includes(c.column));
  const names = [...doc.semantics.map((s) => `\`${s}\``), ...real.map((c) => c.column)];
  const head = `| scenario | expect | ${names.join(' | ')} |`;
  const rule = `|---|---|${names.map(() => '---').join('|')}|`;
  const lines = doc.rows.map((r) => {
    const cells = doc.semantics.map((s) => {
      const text = cellText(r.verdicts[s]);
      return s === r.defaultSemantics ? `**${text}**` : text;
    });
    for (const c of real) cells.push(realCellText(r, c));
    return `| \`${r.name}\` | ${r.expect} | ${cells.join(' | ')} |`;
  });
  const note =
    'Generated by `npm run matrix`: each library scenario checked with its defaults under each ' +
    'semantics (bold: its default; `kernel` is `linux-6.12`). `found`: a finding; `proven`: a ' +
    'complete search without one; ' +
    '`limit`: no finding within the budget (not a proof). `sch`: schedules run.';
  if (real.length === 0) return [note, '', head, rule, ...lines].join('\n');
  const realNote =
    `The ${real.map((c) => c.column).join(' and ')} columns: the same scenario on the real ` +
    'compiled `mm/mmu_notifier.c` of that Debian version (`--core linux-6.1` / `--core linux-6.12`, ' +
    `that version's semantics for what the scenario pins), bounded at ${REAL_BUDGET_MS / 1000} s a cell ` +
    '(`limit` there is the bound, not a proof). `≠`: the real code and the TypeScript semantics of ' +
    'that version disagree. `n/a`: the scenario uses what the real code does not have.';
  const limits = Object.entries({ ...KNOWN_REAL_LIMITS, ...NO_CORE }).map(
    ([n, why]) => `- \`${n}\`: ${why}.`,
  );
  return [note, '', realNote, '', ...limits, '', head, rule, ...lines].join('\n');
}

/** README text with the table between the markers (added under the heading at the end). */
export function spliceReadme(readme: string, table: string): string {
  const block = `${START}\n${table}\n${END}`;
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a >= 0 && b > a) return readme.slice(0, a) + block + readme.slice(b + END.length);
  const sep = readme.endsWith('\n') ? '\n' : '\n\n';
  return `${readme}${sep}${HEADING}\n\n${block}\n`;
}

/** The committed docs/matrix.json, if any. */
export function readMatrix(): MatrixDoc | undefined {
  if (!existsSync(MATRIX_JSON)) return undefined;
  return JSON.parse(readFileSync(MATRIX_JSON, 'utf8')) as MatrixDoc;
}

async function main(names: readonly string[]): Promise<void> {
  const old = readMatrix();
  const rows: MatrixRow[] = [];
  for (const entry of scenarioLibrary) {
    const name = entry.scenario.name;
    const kept = old?.rows.find((r) => r.name === name);
    if (names.length > 0 && !names.includes(name) && kept !== undefined) {
      rows.push(kept);
      continue;
    }
    const row = await runRow(entry);
    const summary = [
      ...MATRIX_SEMANTICS.map((s) => `${s}=${row.verdicts[s].verdict}`),
      ...MATRIX_REAL.map((c) => `${c.column}=${row.real?.[c.column]?.verdict}`),
    ].join(' ');
    process.stderr.write(`${name}: ${summary}\n`);
    for (const c of MATRIX_REAL) {
      if (disagrees(row, c) && KNOWN_REAL_LIMITS[name] === undefined)
        process.stderr.write(`  DISAGREES: ${c.column} vs ${c.semantics} (no known reason)\n`);
    }
    rows.push(row);
  }
  const doc: MatrixDoc = {
    generatedBy: 'npm run matrix',
    semantics: MATRIX_SEMANTICS,
    realCores: MATRIX_REAL.map((c) => c.column),
    rows,
  };
  writeFileSync(MATRIX_JSON, `${JSON.stringify(doc, null, 2)}\n`);
  // In the repository's own format, so that `npm run lint` stays clean.
  const biome = fileURLToPath(new URL('node_modules/.bin/biome', ROOT));
  execFileSync(biome, ['format', '--write', fileURLToPath(MATRIX_JSON)], { stdio: 'ignore' });
  writeFileSync(README, spliceReadme(readFileSync(README, 'utf8'), renderTable(doc)));
  process.stderr.write(`wrote docs/matrix.json and README.md (${rows.length} scenarios)\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
