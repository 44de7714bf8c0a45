import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createProgress } from '../../src/cli/progress.ts';

/** A stream that says it is a terminal and keeps what is written to it. */
function fakeTerminal(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string; isTTY: boolean; columns: number };
  stream.text = '';
  stream.isTTY = true;
  stream.columns = 120;
  return stream;
}

describe('createProgress', () => {
  it('draws schedules, steps and rate on a terminal, and clears on stop', () => {
    const tty = fakeTerminal();
    const sink = createProgress(tty, 10_000);
    assert.ok(sink.onProgress);
    sink.onProgress({ strategy: 'dfs', schedules: 1000, steps: 25_000, elapsedMs: 500 });
    sink.onProgress({ strategy: 'dfs', schedules: 2000, steps: 50_000, elapsedMs: 1000 });
    sink.stop();
    sink.stop();
    assert.match(tty.text, /dfs .*1000 schedules · 25,000 steps · 2,000\/s · 0\.5s/);
  });

  it('is silent without a terminal', () => {
    const sink = createProgress(undefined, 10);
    assert.equal(sink.onProgress, undefined);
    sink.stop();
  });
});
