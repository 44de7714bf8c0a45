/**
 * The command line end to end, in-process: every command, every exit code, each bad input.
 * Scenario files are written to a temporary directory outside the repository, so the
 * `mmu-notifier` import inside them is resolved by the CLI's loader.
 */

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateChromeTrace } from '../../src/trace/chrome-validate.ts';
import { cli, LOCKED_UPDATE, LOST_UPDATE, noStack, tempFiles } from './harness.ts';

let dir = '';
let cleanup: () => Promise<void> = async () => {};

before(async () => {
  ({ dir, cleanup } = await tempFiles({
    'lost.ts': LOST_UPDATE,
    'locked.ts': LOCKED_UPDATE,
    'broken.ts': 'export default defineScenario({ name: "x", setup( });\n',
    'no-default.ts': "export const scenario = { name: 'x', setup() {} };\n",
    'throws.ts': "throw new Error('boom at import');\n",
    'helper.ts': 'export const TASKS: readonly string[] = ["t1", "t2"];\n',
    'uses-helper.ts': LOST_UPDATE.replace("['t1', 't2']", 'TASKS').replace(
      "from 'mmu-notifier';",
      "from 'mmu-notifier';\nimport { TASKS } from './helper.ts';",
    ),
  }));
  await mkdir(join(dir, 'sub'));
});

after(() => cleanup());

/** A user's mistake: exit 2, one line on stderr, nothing on stdout, no stack trace. */
function assertUsage(r: { code: number; out: string; err: string }, message: RegExp): void {
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, message);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.ok(r.err.startsWith('mmu-notifier: '), r.err);
  assert.ok(noStack(r.err));
  assert.equal(r.out, '');
}

describe('help and version', () => {
  it('shows help with examples for the program and every command (exit 0)', async () => {
    for (const argv of [
      ['--help'],
      ['check', '--help'],
      ['replay', '--help'],
      ['list', '--help'],
      ['help', 'check'],
    ]) {
      const r = await cli(argv);
      assert.equal(r.code, 0, argv.join(' '));
      assert.match(r.out, /Usage: mmu-notifier/);
      assert.match(r.out, /Examples:\n {2}\$ mmu-notifier /);
    }
  });

  it('prints the version (exit 0)', async () => {
    const r = await cli(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.out, /^\d+\.\d+\.\d+\n$/);
  });
});

describe('bad usage (exit 2)', () => {
  it('no command, unknown command, unknown option, missing argument, extra argument', async () => {
    const none = await cli([]);
    assert.equal(none.code, 2);
    assertUsage(await cli(['frobnicate']), /unknown command 'frobnicate'/);
    assertUsage(await cli(['check', 'seed-2019', '--frob']), /unknown option '--frob'/);
    assertUsage(await cli(['check']), /missing required argument 'scenario'/);
    assertUsage(await cli(['replay', 'seed-2019']), /missing required argument 'schedule'/);
    assertUsage(await cli(['list', 'extra']), /too many arguments/);
  });

  it('bad option values', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--semantics', 'bogus'],
        /argument 'bogus' is invalid. Allowed choices are current, linux-6.12, linux-6.1, kernel, legacy-2019/,
      ],
      [['--strategy', 'bfs'], /Allowed choices are dfs, random, pct/],
      [['--seed', 'abc'], /--seed <n>' argument 'abc' is invalid. the seed must be an integer/],
      [['--preemption-bound', '-1'], /preemption bound must be between 0 and 1000/],
      [['--max-schedules', '0'], /--max-schedules must be between 1/],
      [['--max-steps', 'many'], /--max-steps must be an integer/],
      [['--time-limit', 'soon'], /duration like 500ms, 30s, 2m or 1h/],
    ];
    for (const [options, message] of cases) {
      assertUsage(await cli(['check', 'seed-2019', ...options]), message);
    }
  });

  it('unknown scenario, unreadable or bad scenario files', async () => {
    assertUsage(
      await cli(['check', 'no-such-scenario']),
      /unknown scenario 'no-such-scenario': run 'mmu-notifier list'/,
    );
    assertUsage(
      await cli(['check', 'missing.ts'], dir),
      /cannot read scenario file 'missing.ts': no such file/,
    );
    assertUsage(
      await cli(['check', './sub/'], dir),
      /cannot read scenario file '.\/sub\/': not a file/,
    );
    assertUsage(
      await cli(['check', 'broken.ts'], dir),
      /cannot load scenario file 'broken.ts': .*Expected/,
    );
    assertUsage(
      await cli(['check', 'throws.ts'], dir),
      /cannot load scenario file 'throws.ts': boom at import/,
    );
    assertUsage(
      await cli(['check', 'no-default.ts'], dir),
      /has no default export made with defineScenario\(\)/,
    );
  });

  it('malformed schedule strings', async () => {
    for (const schedule of ['garbage', 'v9:0.1', 'v1:0.x', 'v1:0;seed=abc']) {
      assertUsage(
        await cli(['replay', 'seed-2019', schedule]),
        /schedule '.*': .*expected e.g. 'v1:0.1.1.2'/,
      );
    }
  });

  it('output paths that cannot be written', async () => {
    const args = ['check', 'locked.ts', '--max-schedules', '5'];
    assertUsage(
      await cli([...args, '--trace', 'nowhere/x.json'], dir),
      /cannot write the trace to 'nowhere\/x.json': directory 'nowhere' does not exist/,
    );
    assertUsage(
      await cli([...args, '--report', 'sub'], dir),
      /cannot write the report to 'sub': it is a directory/,
    );
    // Regression: an empty name resolved to the working directory ("it is a directory").
    assertUsage(await cli([...args, '--trace', ''], dir), /the trace file name is empty/);
    assertUsage(await cli([...args, '--report', ''], dir), /the report file name is empty/);
  });

  it('--ftrace paths that cannot be written, on check and replay, before any run', async () => {
    for (const args of [
      ['check', 'locked.ts', '--max-schedules', '5'],
      ['replay', 'lost.ts', 'v1:0.0.0.1.1.1'],
    ]) {
      assertUsage(
        await cli([...args, '--ftrace', 'nowhere/x.txt'], dir),
        /cannot write the ftrace text to 'nowhere\/x.txt': directory 'nowhere' does not exist/,
      );
      assertUsage(
        await cli([...args, '--ftrace', 'sub'], dir),
        /cannot write the ftrace text to 'sub': it is a directory/,
      );
      assertUsage(await cli([...args, '--ftrace', ''], dir), /the ftrace text file name is empty/);
    }
  });
});

describe('list', () => {
  it('prints the library as a table (exit 0)', async () => {
    const r = await cli(['list']);
    assert.equal(r.code, 0);
    assert.match(r.out, /^name +expect +description\n/);
    assert.match(r.out, /\nseed-2019 +(finding|clean) /);
  });

  it('--json prints an array of { name, description, expect, verdicts }', async () => {
    const r = await cli(['list', '--json']);
    assert.equal(r.code, 0);
    const rows = JSON.parse(r.out) as Record<string, unknown>[];
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), ['name', 'description', 'expect', 'verdicts']);
      assert.ok(row['expect'] === 'finding' || row['expect'] === 'clean');
    }
    assert.ok(rows.some((row) => row['name'] === 'seed-2019'));
  });
});

describe('check', () => {
  it('a user TypeScript file outside the repo: finding (exit 1) with schedule and trace', async () => {
    const r = await cli(['check', 'lost.ts'], dir);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /^check lost-update strategy=/);
    assert.match(
      r.out,
      /lost-update \(semantics current\): FINDING \(invariant\) at step \d+\n {2}invariant 'finally' violated: Error: counter is 1, expected 2/,
    );
    assert.match(r.out, /schedule: v1:[\d.]+/);
    // Regression: this line named the scenario ('replay lost-update ...'), which is no library
    // name: the printed command failed with exit 2. It names the file (absolute, issue 14),
    // and runs this copy's bin, not `npx mmu-notifier` (which looks in the public registry).
    assert.match(r.out, /replay: {3}node \S+\/bin\/mmu-notifier\.js replay \/\S+\/lost.ts v1:/);
    assert.match(r.out, />> +5 {2}t1 +cell\.store counter/);
    const printed = /replay: {3}node \S+ (.*)/.exec(r.out)![1]!.split(' ');
    const again = await cli(printed, dir);
    assert.equal(again.code, 1, again.err);
  });

  it('a file importing a sibling module works too', async () => {
    assert.equal((await cli(['check', join(dir, 'uses-helper.ts')])).code, 1);
  });

  it('a file inside this repository (an ES module package), and a plain .mjs file', async () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    await mkdir(join(root, 'test-output'), { recursive: true });
    const inRepo = await mkdtemp(join(root, 'test-output', 'cli-'));
    try {
      await writeFile(join(inRepo, 'lost.ts'), LOST_UPDATE);
      assert.equal((await cli(['check', join(inRepo, 'lost.ts')])).code, 1);
    } finally {
      await rm(inRepo, { recursive: true, force: true });
    }
    const js = LOST_UPDATE.replace(': number', '');
    const plain = await tempFiles({ 'lost.mjs': js });
    try {
      assert.equal((await cli(['check', 'lost.mjs'], plain.dir)).code, 1);
    } finally {
      await plain.cleanup();
    }
  });

  it('a clean file: exit 0 with the proof summary', async () => {
    const r = await cli(['check', 'locked.ts'], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /locked-update \(semantics current\): PROVEN/);
  });

  it('--json prints only the result, with finding.schedule', async () => {
    const r = await cli(['check', 'lost.ts', '--json'], dir);
    assert.equal(r.code, 1);
    const result = JSON.parse(r.out) as {
      ok: boolean;
      finding: { schedule: string; trace: unknown[] };
    };
    assert.equal(result.ok, false);
    assert.match(result.finding.schedule, /^v1:/);
    assert.ok(result.finding.trace.length > 0);
  });

  it('passes the options through: strategy, seed, bounds, semantics', async () => {
    const r = await cli(
      [
        'check',
        'lost.ts',
        '--json',
        '--strategy',
        'random',
        '--seed',
        '7',
        '--max-schedules',
        '50',
        '--max-steps',
        '100',
        '--time-limit',
        '20s',
        '--semantics',
        'kernel',
      ],
      dir,
    );
    const { options } = JSON.parse(r.out) as { options: Record<string, unknown> };
    assert.equal(options['strategy'], 'random');
    assert.equal(options['seed'], 7);
    assert.equal(options['maxSchedules'], 50);
    assert.equal(options['maxSteps'], 100);
    assert.equal(options['timeLimitMs'], 20_000);
    assert.equal(options['semantics'], 'kernel');
    const bounded = await cli(['check', 'locked.ts', '--json', '--preemption-bound', '1'], dir);
    assert.equal(
      (JSON.parse(bounded.out) as { options: Record<string, unknown> }).options['preemptionBound'],
      1,
    );
  });

  it('--trace and --report write a valid Chrome trace and an HTML report', async () => {
    const r = await cli(
      ['check', 'lost.ts', '--trace', 'out.trace.json', '--report', 'out.html'],
      dir,
    );
    assert.equal(r.code, 1);
    assert.match(r.err, /trace written to out.trace.json/);
    const trace = JSON.parse(await readFile(join(dir, 'out.trace.json'), 'utf8'));
    assert.deepEqual(validateChromeTrace(trace), []);
    const html = await readFile(join(dir, 'out.html'), 'utf8');
    assert.match(html, /<svg[^>]*class="timeline"/);
    assert.match(html, /class="finding"/);
  });

  it('--ftrace writes the finding as ftrace text, and --help names it', async () => {
    const r = await cli(['check', 'lost.ts', '--ftrace', 'out.ftrace.txt'], dir);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /ftrace text written to out.ftrace.txt/);
    const text = await readFile(join(dir, 'out.ftrace.txt'), 'utf8');
    assert.ok(text.startsWith('# tracer: nop\n'));
    const lines = text
      .trimEnd()
      .split('\n')
      .filter((l) => !l.startsWith('#'));
    assert.ok(lines.some((l) => /^ +t[12]-100\d +\[000\] \.{5} +\d+\.\d{6}: cell_load: /.test(l)));
    assert.match(lines.at(-1)!, /: finding: invariant at step \d+, schedule v1:/);
    for (const command of ['check', 'replay']) {
      assert.match(
        (await cli([command, '--help'])).out,
        /--ftrace <file> +write the trace as ftrace/,
      );
    }
  });

  it('the library seed: a finding under legacy-2019, none today', async () => {
    const legacy = await cli(['check', 'seed-2019', '--semantics', 'legacy-2019']);
    assert.equal(legacy.code, 1, legacy.out + legacy.err);
    const today = await cli(['check', 'seed-2019', '--semantics', 'current']);
    assert.equal(today.code, 0, today.out + today.err);
  });

  it('the 2026 fix by version: itree-nonblock-unwind found under linux-6.1, clean under linux-6.12 and kernel', async () => {
    const name = 'itree-nonblock-unwind-buggy';
    const old = await cli(['check', name, '--semantics', 'linux-6.1']);
    assert.equal(old.code, 1, old.out + old.err);
    assert.match(old.out, /semantics linux-6\.1/);
    for (const semantics of ['linux-6.12', 'kernel']) {
      const fixed = await cli(['check', name, '--semantics', semantics]);
      assert.equal(fixed.code, 0, fixed.out + fixed.err);
    }
  });
});

describe('replay', () => {
  it('re-runs a finding schedule: its trace, exit 1; a clean schedule: exit 0', async () => {
    const found = JSON.parse((await cli(['check', 'lost.ts', '--json'], dir)).out) as {
      finding: { schedule: string };
    };
    const r = await cli(
      ['replay', 'lost.ts', found.finding.schedule, '--trace', 'replay.json'],
      dir,
    );
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /^replay lost-update /);
    assert.match(r.out, /step +task +event/);
    assert.match(r.out, /FINDING/);
    assert.deepEqual(
      validateChromeTrace(JSON.parse(await readFile(join(dir, 'replay.json'), 'utf8'))),
      [],
    );
    const ftrace = await cli(
      ['replay', 'lost.ts', found.finding.schedule, '--ftrace', 'replay.txt'],
      dir,
    );
    assert.equal(ftrace.code, 1, ftrace.err);
    assert.match(ftrace.err, /ftrace text written to replay.txt/);
    assert.match(
      await readFile(join(dir, 'replay.txt'), 'utf8'),
      /^# tracer: nop\n[\s\S]*: finding: /,
    );
    const serial = await cli(['replay', 'lost.ts', 'v1:0.0.0.1.1.1'], dir);
    assert.equal(serial.code, 0, serial.err);
    assert.match(serial.out, /lost-update \(semantics current\): no finding/);
  });

  it('a schedule that does not fit the scenario is a user mistake (exit 2)', async () => {
    const r = await cli(['replay', 'lost.ts', 'v1:9.9.9'], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /^mmu-notifier: replay diverged at step 0: task 9 cannot run.*\n$/);
    assert.ok(noStack(r.err));
  });
});
