/**
 * The guide's example, run the way a driver developer's own project runs it: in a temporary
 * directory outside this repository, with the package installed from an `npm pack` tarball
 * (built `dist/`, no `src/`), through the installed `mmu-notifier` binary; and their
 * TypeScript type-checked against the installed declarations. Also: `init` writes a file that
 * type-checks and runs there, and the README's library code runs as written on this Node with
 * tsx (`await using` included).
 *
 * Slow (a build, a pack and an install that prefers npm's cache: about half a minute); the
 * repository's own `dist/` is left alone (the build goes to a staging copy).
 */

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The user's tsconfig: strict, NodeNext, `.ts` imports, nothing emitted. */
const USER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022', 'ESNext.Disposable'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    // As a user's `npm i -D @types/node` gives (borrowed from this checkout: no install).
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
  },
  include: ['*.ts'],
};

let work = '';
let project = '';

function run(cmd: string, args: readonly string[], cwd: string) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 180_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The first ```ts block of the README under `## The library`, as written. */
function readmeLibraryCode(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The library'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match !== null, 'the README has a library example');
  return match[1]!;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'mmu-outside-'));
  const pkg = join(work, 'pkg');
  mkdirSync(pkg);
  for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']) {
    try {
      cpSync(join(ROOT, f), join(pkg, f));
    } catch {
      // LICENSE may be absent; npm pack needs only package.json
    }
  }
  cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true });
  execFileSync(
    process.execPath,
    [TSC, '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')],
    {
      cwd: ROOT,
      stdio: 'pipe',
    },
  );
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], {
    cwd: pkg,
    stdio: 'pipe',
  });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball !== undefined, 'npm pack wrote a tarball');
  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'my-driver-checks', private: true, type: 'module' }),
  );
  const install = run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball)],
    project,
  );
  assert.equal(install.code, 0, install.err);
  for (const f of ['driver.ts', 'scenario.ts', 'correct.ts', 'buggy.ts']) {
    cpSync(join(ROOT, 'examples', 'userptr-driver', f), join(project, f));
  }
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(USER_TSCONFIG, null, 2));
  writeFileSync(
    join(project, 'readme-library.ts'),
    `${readmeLibraryCode()}\nconsole.log(\`rc=\${rc} counterA=\${counterA}\`);\n`,
  );
});

after(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('outside the repository, installed from npm pack', () => {
  const bin = () => join(project, 'node_modules', '.bin', 'mmu-notifier');

  it('the installed package is the built one (no src/)', () => {
    const installed = join(project, 'node_modules', 'mmu-notifier');
    assert.ok(readdirSync(installed).includes('dist'));
    assert.ok(!readdirSync(installed).includes('src'));
  });

  it('check buggy.ts: a finding (exit 1) and a replay command that works from another directory', () => {
    const r = run(bin(), ['check', 'buggy.ts'], project);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /userptr-buggy \(semantics current\): FINDING \(invariant\)/);
    const line = /^ {2}replay: {3}(.*)$/m.exec(r.out)?.[1] ?? '';
    assert.ok(
      line.startsWith(`node ${join(project, 'node_modules', 'mmu-notifier', 'bin')}`),
      line,
    );
    const again = spawnSync(line, { cwd: work, shell: true, encoding: 'utf8', timeout: 120_000 });
    assert.equal(again.status, 1, again.stdout + again.stderr);
  });

  it('check correct.ts: proven (exit 0)', () => {
    const r = run(bin(), ['check', 'correct.ts'], project);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /userptr-correct \(semantics current\): PROVEN/);
  });

  it('init writes a scenario that runs; every file type-checks against the installed package', () => {
    const init = run(bin(), ['init', 'my-driver'], project);
    assert.equal(init.code, 0, init.err);
    const r = run(bin(), ['check', 'my-driver.ts'], project);
    assert.equal(r.code, 0, r.out + r.err);
    const tsc = run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
    assert.equal(tsc.code, 0, tsc.out + tsc.err);
  });

  it("the README's library code runs as written with tsx on this Node (await using)", () => {
    const tsx = join(project, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const r = run(process.execPath, [tsx, 'readme-library.ts'], project);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'rc=-11 counterA=0\n');
  });
});
