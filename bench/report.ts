/**
 * Output of a bench run: the table on stdout and the JSON file of raw figures under
 * `bench/results/<date>-<machine>.json` (with cores, CPU and Node version).
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Row } from './harness.ts';

/** What a results file says about where and how it was measured. */
export interface Machine {
  readonly host: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly loadAverage?: readonly number[];
}

/** One target of issue 6 and whether this run met it. */
export interface Verdict {
  readonly target: string;
  readonly met: boolean | 'n/a';
  readonly figure: string;
}

/** Describes this machine. */
export function machine(): Machine {
  const list = cpus();
  return {
    host: hostname(),
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryBytes: totalmem(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
  };
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The results as a plain-text table, grouped by benchmark and workload. */
export function table(rows: readonly Row[]): string {
  const header = ['bench', 'workload', 'subject', 'value', 'unit', '±IQR', 'ratio'];
  const cells = rows.map((r) => [
    r.bench,
    r.workload,
    r.subject,
    fmt(r.value),
    r.unit,
    r.spreadPct === undefined ? '' : `${r.spreadPct.toFixed(0)}%`,
    r.ratio === undefined ? '' : `${fmt(r.ratio)}x ${r.baseline ?? ''}`.trim(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string =>
    c.map((x, i) => (i === 3 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  let group = '';
  for (const [i, c] of cells.entries()) {
    const key = `${rows[i]!.bench}/${rows[i]!.workload}`;
    if (group !== '' && key !== group) out.push('');
    group = key;
    out.push(line(c));
  }
  return out.join('\n');
}

/** The verdicts as text lines. */
export function verdictLines(verdicts: readonly Verdict[]): string {
  return verdicts
    .map((v) => {
      const mark = v.met === 'n/a' ? 'N/A ' : v.met ? 'MET ' : 'MISS';
      return `${mark}  ${v.target}: ${v.figure}`;
    })
    .join('\n');
}

/** Writes the JSON file of this run; returns its path. */
/**
 * The file-name suffix of a run's results: none for a full run, `-quick` for a smoke run,
 * `-only-checker-real` for a run of some benchmarks, so that neither overwrites a full run's.
 */
export function resultSuffix(mode: string): string {
  return mode === 'full' ? '' : `-${mode}`;
}

export function writeResults(
  dir: string,
  payload: {
    readonly mode: string;
    readonly rows: readonly Row[];
    readonly verdicts: readonly Verdict[];
    readonly unavailable: readonly string[];
  },
  when: Date,
): string {
  mkdirSync(dir, { recursive: true });
  const m = { ...machine(), loadAverage: loadavg() };
  const day = when.toISOString().slice(0, 10);
  const tag = `${m.cores}core-${m.cpu.replace(/[^A-Za-z0-9]+/g, '-')}-node${process.versions.node}`;
  const path = join(dir, `${day}-${tag}${resultSuffix(payload.mode)}.json`);
  const body = { date: when.toISOString(), machine: m, ...payload };
  writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`);
  return path;
}
