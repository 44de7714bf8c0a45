/**
 * Checker speed on library scenarios, and a before/after comparison of source trees: runs each
 * named library scenario (all of them when none is named) with its library defaults, as
 * `mmu-notifier check NAME` would, and prints one JSON line per scenario and tree: verdict,
 * schedules, steps, median wall time, median CPU time (user + system of this process: steadier
 * than wall time on a loaded machine), schedules/s and steps/s (by CPU time).
 *
 * `--root DIR` (repeatable; default: this repository) names the trees to measure, each run
 * from its own `src/` (nothing there is written). With two or more, each tree runs in its own
 * child process (two trees in one process slow whichever runs second: the JIT's feedback is
 * shared), the children alternate (A, B, A, B, ...) for `--rounds` rounds so that a loaded
 * machine slows each alike, and the medians over the rounds are quoted; a last line per
 * scenario gives each tree's speed-up over the first (CPU time) and flags different verdicts
 * or schedule counts. Each scenario runs `--warmup` times unmeasured, then `--samples` times. `--semantics S` overrides the default semantics;
 * `--matrix` checks every semantics of `docs/matrix.json` and compares verdicts and schedule
 * counts against it (exit 1 on a difference).
 *
 * Usage: `node --import tsx scripts/checker-speed.ts [--root DIR]... [--rounds N] [--samples N]
 * [--warmup N] [--semantics S] [--matrix] [NAME...]`
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Args {
  roots: string[];
  rounds: number;
  samples: number;
  warmup: number;
  semantics: string | undefined;
  matrix: boolean;
  names: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    roots: [],
    rounds: 3,
    samples: 1,
    warmup: 0,
    semantics: undefined,
    matrix: false,
    names: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--root') args.roots.push(resolve(value()));
    else if (a === '--rounds') args.rounds = Number(value());
    else if (a === '--samples') args.samples = Number(value());
    else if (a === '--warmup') args.warmup = Number(value());
    else if (a === '--semantics') args.semantics = value();
    else if (a === '--matrix') args.matrix = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else args.names.push(a);
  }
  if (args.roots.length === 0) args.roots.push(resolve(import.meta.dirname, '..'));
  if (!(args.samples >= 1 && args.warmup >= 0 && args.rounds >= 1))
    throw new Error('--samples >= 1, --rounds >= 1, --warmup >= 0');
  return args;
}

interface Result {
  ok: boolean;
  stats: { schedules: number; steps: number; complete: boolean };
}
type Check = (scenario: unknown, options: object) => Promise<Result>;
interface Entry {
  scenario: { name: string };
  defaults?: { semantics?: string };
}

/** One measured scenario of one tree. */
interface Summary {
  name: string;
  tree: string;
  semantics: string;
  verdict: string;
  schedules: number;
  steps: number;
  ms: number;
  cpuMs: number;
  schedulesPerSecond: number;
  stepsPerSecond: number;
}

function verdict(r: Result): string {
  if (!r.ok) return 'found';
  return r.stats.complete ? 'proven' : 'limit';
}

function median(xs: readonly number[]): number {
  return [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
}

function summary(base: Omit<Summary, 'schedulesPerSecond' | 'stepsPerSecond'>): Summary {
  return {
    ...base,
    ms: Math.round(base.ms),
    cpuMs: Math.round(base.cpuMs),
    schedulesPerSecond: Math.round((1000 * base.schedules) / base.cpuMs),
    stepsPerSecond: Math.round((1000 * base.steps) / base.cpuMs),
  };
}

/** In this process: every scenario of `names` under each of `semantics`, on tree `root`. */
async function measureHere(
  root: string,
  names: readonly string[],
  semantics: readonly (string | undefined)[],
  a: Args,
): Promise<Summary[]> {
  const src = (p: string) => import(pathToFileURL(resolve(root, p)).href);
  const { check } = (await src('src/check/check.ts')) as { check: Check };
  const { scenarioLibrary } = (await src('src/scenarios/index.ts')) as {
    scenarioLibrary: Entry[];
  };
  const library = new Map(scenarioLibrary.map((e) => [e.scenario.name, e]));
  const out: Summary[] = [];
  for (const name of names.length > 0 ? names : [...library.keys()]) {
    const entry = library.get(name);
    if (entry === undefined) throw new Error(`${root}: no library scenario '${name}'`);
    for (const s of semantics) {
      const options =
        s === undefined ? (entry.defaults ?? {}) : { ...entry.defaults, semantics: s };
      const wall: number[] = [];
      const cpu: number[] = [];
      let last: Result | undefined;
      for (let i = 0; i < a.warmup + a.samples; i++) {
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        last = await check(entry.scenario, options);
        const c = process.cpuUsage(c0);
        if (i < a.warmup) continue;
        wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
        cpu.push((c.user + c.system) / 1000);
      }
      out.push(
        summary({
          name,
          tree: root,
          semantics: s ?? entry.defaults?.semantics ?? 'current',
          verdict: verdict(last!),
          schedules: last!.stats.schedules,
          steps: last!.stats.steps,
          ms: median(wall),
          cpuMs: median(cpu),
        }),
      );
    }
  }
  return out;
}

/** One round of one tree in a child process (`--child`): its summaries. */
function measureChild(root: string, argv: readonly string[]): Summary[] {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root' || argv[i] === '--rounds') i++;
    else rest.push(argv[i]!);
  }
  const text = execFileSync(
    process.execPath,
    [...process.execArgv, import.meta.filename, '--child', '--root', root, ...rest],
    { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(text) as Summary[];
}

interface MatrixDoc {
  semantics: string[];
  rows: { name: string; verdicts: Record<string, { verdict: string; schedules: number }> }[];
}

/** The medians over rounds of each tree's summaries (same order in every round). */
function merge(rounds: readonly Summary[][]): Summary[] {
  return rounds[0]!.map((first, k) =>
    summary({
      ...first,
      ms: median(rounds.map((r) => r[k]!.ms)),
      cpuMs: median(rounds.map((r) => r[k]!.cpuMs)),
    }),
  );
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const child = argv[0] === '--child';
  const a = parseArgs(child ? argv.slice(1) : argv);
  const doc = JSON.parse(
    readFileSync(new URL('../docs/matrix.json', import.meta.url), 'utf8'),
  ) as MatrixDoc;
  const semantics = a.matrix ? doc.semantics : [a.semantics];
  if (child) {
    process.stdout.write(JSON.stringify(await measureHere(a.roots[0]!, a.names, semantics, a)));
    return 0;
  }
  let results: Summary[][];
  if (a.roots.length === 1) results = [await measureHere(a.roots[0]!, a.names, semantics, a)];
  else {
    const rounds: Summary[][][] = a.roots.map(() => []);
    for (let r = 0; r < a.rounds; r++)
      for (let t = 0; t < a.roots.length; t++) rounds[t]!.push(measureChild(a.roots[t]!, argv));
    results = rounds.map(merge);
  }
  let differences = 0;
  results[0]!.forEach((base, k) => {
    for (const rows of results) {
      const r = rows[k]!;
      let note = '';
      const want = doc.rows.find((row) => row.name === r.name)?.verdicts[r.semantics];
      if (a.matrix && (want?.verdict !== r.verdict || want.schedules !== r.schedules)) {
        differences++;
        note = ` DIFFERS from docs/matrix.json: ${want?.verdict} ${want?.schedules}`;
      }
      console.log(JSON.stringify(r) + note);
    }
    for (const rows of results.slice(1)) {
      const r = rows[k]!;
      const same = r.verdict === base.verdict && r.schedules === base.schedules;
      if (!same) differences++;
      const ratio = (base.cpuMs / r.cpuMs).toFixed(2);
      const verdicts = same ? 'same' : 'DIFFERENT';
      console.log(`# ${r.name} ${r.semantics}: ${ratio}x (CPU), ${verdicts} verdict and schedules`);
    }
  });
  console.log(`# ${differences} difference(s)`);
  return differences === 0 ? 0 : 1;
}

process.exitCode = await main();
