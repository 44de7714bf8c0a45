/**
 * The distributed commands' mistakes, caught before anything runs (no Redis needed): each is
 * one line and exit 2, naming the problem.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXIT_USAGE } from '../../src/cli/options.ts';
import { cli } from './harness.ts';

test('--run without --queue is a usage error', async () => {
  const r = await cli(['check', 'seed-2019', '--run', 'r1']);
  assert.equal(r.code, EXIT_USAGE);
  assert.match(r.err, /--run names a distributed run: it needs --queue <url>/);
});

test('--workers with --queue is a usage error', async () => {
  const r = await cli(['check', 'seed-2019', '--queue', 'redis://127.0.0.1:1', '--workers', '2']);
  assert.equal(r.code, EXIT_USAGE);
  assert.match(
    r.err,
    /--workers is for one machine: with --queue the work is done by 'mmu-notifier worker'/,
  );
});

test('a --queue that is not a Redis URL is refused before connecting', async () => {
  const r = await cli(['check', 'seed-2019', '--queue', 'http://127.0.0.1:6379']);
  assert.equal(r.code, EXIT_USAGE);
  assert.match(
    r.err,
    /--queue 'http:\/\/127\.0\.0\.1:6379' is not a Redis URL: the scheme is 'http'/,
  );
  const w = await cli(['worker', '--queue', 'redis://host:0']);
  assert.equal(w.code, EXIT_USAGE);
  assert.match(w.err, /port '0' is not 1-65535/);
});

test('a bad run id, an unknown scenario and an unwritable report are refused before connecting', async () => {
  // Port 1 on loopback: nothing listens, so reaching the connection would be a different error.
  const url = 'redis://127.0.0.1:1';
  const bad = await cli(['check', 'seed-2019', '--queue', url, '--run', 'a:b']);
  assert.equal(bad.code, EXIT_USAGE);
  assert.match(bad.err, /the run id 'a:b' must be 1 to 64 letters, digits, '-' or '_'/);
  const unknown = await cli(['check', 'no-such-scenario', '--queue', url]);
  assert.match(unknown.err, /unknown scenario 'no-such-scenario'/);
  const report = await cli([
    'check',
    'seed-2019',
    '--queue',
    url,
    '--report',
    '/no/such/dir/r.html',
  ]);
  assert.match(report.err, /cannot write the report to '\/no\/such\/dir\/r\.html'/);
});

test('an unreachable server is one line naming the address and the fix', async () => {
  const r = await cli(['check', 'seed-2019', '--queue', 'redis://127.0.0.1:1']);
  assert.equal(r.code, EXIT_USAGE);
  assert.match(
    r.err,
    /cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0: .*apt-get install redis-server/,
  );
  const w = await cli(['worker', '--queue', 'redis://127.0.0.1:1']);
  assert.equal(w.code, EXIT_USAGE);
  assert.match(w.err, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0/);
});
