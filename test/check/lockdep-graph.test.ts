/**
 * Goal: the dependency graph keeps the first origin of each edge, finds the shortest path
 * (also after it grew: its path memo is dropped on every new edge) and refuses to grow past
 * its limit with a diagnosis.
 * Method: `LockGraph` directly, on small hand-made graphs.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type EdgeOrigin, LOCKDEP_EDGES_MAX, LockGraph } from '../../src/check/lockdep/graph.ts';

function edge(a: string, b: string, task = 't'): EdgeOrigin {
  const lock = (c: string) => ({ lockClass: c, name: c, op: 'mutex.lock', step: 0, site: '' });
  return { task, held: lock(a), acquired: lock(b), choices: [0] };
}

describe('LockGraph', () => {
  it('keeps the first origin and finds the shortest path', () => {
    const g = new LockGraph();
    g.add(edge('A', 'B', 'first'));
    g.add(edge('A', 'B', 'second'));
    assert.equal(g.edges, 1);
    assert.equal(g.origin('A', 'B')?.task, 'first');
    g.add(edge('B', 'C'));
    g.add(edge('C', 'D'));
    assert.deepEqual(g.path('A', 'D'), ['A', 'B', 'C', 'D']);
    assert.equal(g.path('D', 'A'), null);
    g.add(edge('A', 'D'));
    assert.deepEqual(g.path('A', 'D'), ['A', 'D'], 'the memo is dropped when the graph grows');
    assert.deepEqual(g.path('A', 'A'), ['A']);
  });

  it('refuses more than LOCKDEP_EDGES_MAX edges', () => {
    const g = new LockGraph();
    for (let i = 0; i < LOCKDEP_EDGES_MAX; i++) g.add(edge('A', `B${i}`));
    assert.throws(() => g.add(edge('A', 'overflow')), /LOCKDEP_EDGES_MAX/);
  });
});
