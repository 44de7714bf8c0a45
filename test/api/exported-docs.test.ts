/**
 * Goal: the documentation walk of `tsdoc.test.ts` fires on each kind of gap it claims to
 * find, and stays quiet on what it claims to skip. Method: a small package written to a
 * temporary directory (a root that re-exports under another name, a class, an interface,
 * object-shaped and union type aliases), walked with `findUndocumented`; the exact list of
 * `name`s it reports is compared. `Shape.id` inherits `Lease.id`'s comment; `Shape.release`
 * has none to inherit; each member of a union constituent is its own declaration.
 */

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findUndocumented } from './exported-docs.ts';

const FIXTURE: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: { strict: true, module: 'NodeNext', target: 'ES2022', types: [] },
  }),
  'src/index.ts': [
    "export { bare, documented, Shape, type Lease, type Options, type Event } from './a.ts';",
    "export { inner as renamed, SILENT } from './a.ts';",
  ].join('\n'),
  'src/a.ts': `
export function bare(): void {}
/** Documented. */
export function documented(): void {}
/** Documented under its own name; exported renamed. */
export function inner(): void {}
export const SILENT = 1;
/** A lease. */
export interface Lease {
  /** Documented. */
  readonly id: number;
  holder: string;
  release(): void;
}
/** A shape. */
export class Shape implements Lease {
  readonly id = 1;
  /** Documented here. */
  holder = 'x';
  release(): void {}
  area(): number { return this.#secret + this._hidden + this.tucked; }
  get side(): number { return 1; }
  static unit(): Shape { return new Shape(); }
  #secret = 0;
  _hidden = 0;
  private tucked = 0;
}
/** Options. */
export type Options = {
  readonly depth?: number;
  /** Documented. */
  readonly width?: number;
};
/** An event. */
export type Event = { readonly kind: 'a'; readonly a: number } | { readonly kind: 'b' };
`,
};

describe('findUndocumented', () => {
  const root = mkdtempSync(join(tmpdir(), 'mmu-notifier-tsdoc-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(FIXTURE)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }

  it('reports exactly the undocumented exports and public members', () => {
    const report = findUndocumented(root, join(root, 'src', 'index.ts'));
    const names = report.missing.map((m) => m.name).sort();
    assert.deepEqual(names, [
      'Event.a',
      'Event.kind',
      'Event.kind',
      'Lease.holder',
      'Lease.release',
      'Options.depth',
      'SILENT',
      'Shape.area',
      'Shape.release',
      'Shape.side',
      'Shape.unit',
      'bare',
    ]);
    assert.equal(report.symbols, 8);
  });

  it('locates each gap as file and line', () => {
    const report = findUndocumented(root, join(root, 'src', 'index.ts'));
    const bare = report.missing.find((m) => m.name === 'bare');
    assert.deepEqual(bare, { file: join('src', 'a.ts'), line: 2, name: 'bare' });
  });
});
