/**
 * Goal: `check <scenario> --core linux-6.1|linux-6.12` runs any library scenario on the real
 * compiled `mm/mmu_notifier.c` of 6.1.192 / 6.12.118 (the semantics of that version for what
 * the scenario pins), says so in its output with what the reduction sees, rejects a
 * contradicting `--semantics`, and its replay line repeats the run on the same core; `real`
 * keeps its meaning (the version of `--semantics`). Method: the option mapping directly,
 * then the CLI in-process. Skipped, naming the commands, without the fiber builds.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOptionsFrom } from '../../src/cli/options.ts';
import { InvalidArgumentError } from '../../src/errors.ts';
import { fiberBuilds, needFiberBuild } from '../kernel/fiber/need-build.ts';
import { cli } from './harness.ts';

const need = needFiberBuild;

describe('--core values', () => {
  it('linux-6.1 / linux-6.12 are the real core under that version, over the defaults', () => {
    assert.deepEqual(checkOptionsFrom({ core: 'linux-6.1' }, { semantics: 'current' }), {
      semantics: 'linux-6.1',
      core: 'real',
    });
    assert.deepEqual(checkOptionsFrom({ core: 'linux-6.12', semantics: 'kernel' }), {
      semantics: 'linux-6.12',
      core: 'real',
    });
    assert.deepEqual(checkOptionsFrom({ core: 'real', semantics: 'linux-6.1' }), {
      semantics: 'linux-6.1',
      core: 'real',
    });
    assert.deepEqual(checkOptionsFrom({ core: 'typescript' }), { core: 'typescript' });
  });

  it('a contradicting --semantics is a usage error', () => {
    for (const [core, semantics] of [
      ['linux-6.1', 'linux-6.12'],
      ['linux-6.1', 'kernel'],
      ['linux-6.12', 'legacy-2019'],
    ] as const) {
      assert.throws(
        () => checkOptionsFrom({ core, semantics }),
        (e: unknown) => e instanceof InvalidArgumentError && /contradicts/.test(e.message),
      );
    }
  });

  it('the CLI rejects a contradiction and an unknown core with exit 2', async () => {
    const a = await cli(['check', 'seed-2019', '--core', 'linux-6.1', '--semantics', 'current']);
    assert.equal(a.code, 2);
    assert.match(a.err, /--core linux-6.1 runs the real 6\.1\.192 code/);
    const b = await cli(['check', 'seed-2019', '--core', 'linux-5.4']);
    assert.equal(b.code, 2);
    assert.match(b.err, /linux-6\.1, linux-6\.12/);
  });
});

describe('check --core on the real code', () => {
  it('says which real code runs and what the reduction sees', need('6.12'), async () => {
    const r = await cli(['check', 'everyday-page-aging', '--core', 'linux-6.12']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /semantics=linux-6\.12 core=real/);
    assert.match(r.out, /core: the real mm\/mmu_notifier\.c of 6\.12\.118/);
    assert.match(r.out, /reduction over the C code's own loads and stores/);
    assert.match(r.out, /PROVEN/);
  });

  it('itree-nonblock-unwind-fixed: found on real 6.1, proven on real 6.12', async (t) => {
    if (!fiberBuilds.has('6.1') || !fiberBuilds.has('6.12'))
      return t.skip('needs both fiber builds');
    const old = await cli(['check', 'itree-nonblock-unwind-fixed', '--core', 'linux-6.1']);
    assert.equal(old.code, 1, old.out);
    assert.match(old.out, /pairing/);
    assert.match(old.out, /replay: .* --semantics linux-6\.1 --core real/);
    const now = await cli(['check', 'itree-nonblock-unwind-fixed', '--core', 'linux-6.12']);
    assert.equal(now.code, 0, now.out);
    assert.match(now.out, /PROVEN/);
  });
});
