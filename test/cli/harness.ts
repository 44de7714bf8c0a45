/**
 * Helpers of the CLI tests: run the command line in-process with captured output, and
 * write scenario files into a temporary directory (outside this repository, so that the
 * `mmu-notifier` import must be resolved by the CLI's loader, not by node_modules).
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/commands.ts';
import { run } from '../../src/cli/main.ts';

/** What one in-process run printed and returned. */
export interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the command line in-process, no progress bar, relative paths against `cwd`. */
export async function cli(argv: readonly string[], cwd: string = process.cwd()): Promise<Ran> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    progressStream: undefined,
    cwd,
  };
  const code = await run(argv, io);
  return { code, out, err };
}

/** A scenario whose two tasks increment a shared counter without a lock: a lost update. */
export const LOST_UPDATE = `import { defineScenario } from 'mmu-notifier';

export default defineScenario({
  name: 'lost-update',
  description: 'two tasks increment a shared counter without a lock',
  setup(world) {
    const counter = world.shared(0, 'counter');
    for (const name of ['t1', 't2']) {
      world.spawn(name, async () => {
        const seen: number = await counter.load();
        await counter.store(seen + 1);
      });
    }
    world.finally(() => {
      if (counter.value !== 2) throw new Error(\`counter is \${counter.value}, expected 2\`);
    });
  },
});
`;

/** The same increments under a mutex: no finding. */
export const LOCKED_UPDATE = `import { defineScenario } from 'mmu-notifier';

export default defineScenario({
  name: 'locked-update',
  setup(world) {
    const counter = world.shared(0, 'counter');
    const lock = world.mutex('counter_lock');
    for (const name of ['t1', 't2']) {
      world.spawn(name, async () => {
        await lock.lock();
        const seen: number = await counter.load();
        await counter.store(seen + 1);
        lock.unlock();
      });
    }
    world.finally(() => {
      if (counter.value !== 2) throw new Error('lost update');
    });
  },
});
`;

/** A temporary directory with the given files; `cleanup()` removes it. */
export async function tempFiles(
  files: Readonly<Record<string, string>>,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'mmu-cli-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** True when `text` holds no stack-trace line. */
export function noStack(text: string): boolean {
  return !/^\s+at /m.test(text);
}
