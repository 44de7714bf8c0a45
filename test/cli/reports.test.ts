/**
 * Issue 14, part 2: reports a kernel developer can act on, through the command line. A
 * throwing setup is a usage error; the printed replay command runs from another directory;
 * a replay is one schedule; a partial schedule is said to be extended; duplicate task names
 * are refused.
 */

import assert from 'node:assert/strict';
import { execSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cli, LOST_UPDATE, noStack, tempFiles } from './harness.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'mmu-notifier.js');

const THROWS_IN_SETUP = `import { defineScenario } from 'mmu-notifier';

export default defineScenario({
  name: 'throws-in-setup',
  setup(world) {
    const lock = world.mutex('drv.lock');
    world.spawn('t', () => lock.lock());
    throw new TypeError('forgot to create the device');
  },
});
`;

const SAME_NAMES = `import { defineScenario } from 'mmu-notifier';

export default defineScenario({
  name: 'same-names',
  setup(world) {
    world.spawn('fault', () => world.yieldNow());
    world.spawn('fault', () => world.yieldNow());
  },
});
`;

let dir = '';
let other = '';
let cleanup: () => Promise<void> = async () => {};
let cleanupOther: () => Promise<void> = async () => {};

before(async () => {
  ({ dir, cleanup } = await tempFiles({
    'lost.ts': LOST_UPDATE,
    'setup.ts': THROWS_IN_SETUP,
    'names.ts': SAME_NAMES,
  }));
  ({ dir: other, cleanup: cleanupOther } = await tempFiles({}));
});

after(async () => {
  await cleanup();
  await cleanupOther();
});

/** Exit 2, one line on stderr with no stack trace. */
function assertOneLine(r: { code: number | null; err: string }, message: RegExp): void {
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, message);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.ok(noStack(r.err), r.err);
}

describe('a scenario that throws in setup', () => {
  it('is a usage error (exit 2), one line naming the file and line, not a finding', async () => {
    const r = await cli(['check', 'setup.ts'], dir);
    assertOneLine(
      r,
      /^mmu-notifier: scenario 'throws-in-setup': setup threw TypeError: forgot to create the device at .*setup\.ts:8:\d+\n$/,
    );
    assert.doesNotMatch(r.out, /FINDING/);
  });

  it('two tasks with one name are refused with a typed error, as a setup mistake', async () => {
    const r = await cli(['check', 'names.ts'], dir);
    assertOneLine(
      r,
      /^mmu-notifier: scenario 'same-names': setup threw InvalidArgumentError: world\.spawn\('fault'\): a task named 'fault' exists already.* at .*names\.ts:7:\d+\n$/,
    );
  });
});

describe('the printed replay command', () => {
  it('runs the copy that printed it, from another directory (the real binary)', () => {
    const checked = spawnSync(process.execPath, [BIN, 'check', 'lost.ts'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
      timeout: 120_000,
    });
    assert.equal(checked.status, 1, checked.stderr);
    const line = /^ {2}replay: {3}(.*)$/m.exec(checked.stdout)?.[1];
    assert.ok(line !== undefined, checked.stdout);
    assert.ok(line.startsWith(`node ${BIN} replay ${join(dir, 'lost.ts')} v1:`), line);
    // From an unrelated directory, through a shell, as a user pastes it.
    let status = 0;
    let out = '';
    try {
      out = execSync(line, { cwd: other, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    } catch (error) {
      status = (error as { status: number }).status;
      out = String((error as { stdout: string }).stdout);
    }
    assert.equal(status, 1, out);
    assert.match(out, /lost-update \(semantics current\): FINDING \(invariant\)/);
  });
});

describe('replay', () => {
  it('of a finding is one schedule, not two', async () => {
    const found = await cli(['check', 'lost.ts'], dir);
    const schedule = /schedule: (v1:[\d.]+)/.exec(found.out)![1]!;
    const r = await cli(['replay', 'lost.ts', schedule], dir);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /\n {2}1 schedule, \d+ steps in /);
    assert.equal(r.err, '');
  });

  it('says so when it extends a partial schedule (v1:, v1:1)', async () => {
    const empty = await cli(['replay', 'lost.ts', 'v1:'], dir);
    assert.equal(empty.code, 0, empty.err);
    assert.match(
      empty.err,
      /^note: the schedule lists 0 steps but the run took 6: steps 0 to 5 were chosen by the default rule/,
    );
    const one = await cli(['replay', 'lost.ts', 'v1:1'], dir);
    assert.match(one.err, /^note: the schedule lists 1 step but the run took 6: steps 1 to 5/);
    const full = await cli(['replay', 'lost.ts', 'v1:0.0.0.1.1.1'], dir);
    assert.equal(full.err, '');
  });

  it('a bad seed suffix is named as a bad seed', async () => {
    assertOneLine(
      await cli(['replay', 'lost.ts', 'v1:0.0;seed=abc'], dir),
      /seed 'abc' is not an integer/,
    );
  });

  it('--time-limit 24h is accepted, as the error text says', async () => {
    const r = await cli(['check', 'lost.ts', '--time-limit', '24h'], dir);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /timeLimitMs=86400000/);
  });
});
