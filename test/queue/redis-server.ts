/**
 * A throw-away `redis-server` for the distributed tests: Debian's binary on a free loopback
 * port, in a temporary directory, with persistence off (`--save '' --appendonly no`). Redis
 * has no `--port 0`, so a port is picked by binding one and releasing it (retried when the
 * server then fails to bind it). Without the binary the tests skip visibly, with the command
 * that installs it.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Where Debian installs the server. */
export const REDIS_SERVER = '/usr/bin/redis-server';

/** The skip reason when there is no server, or false. */
export function skipWithoutRedis(): string | false {
  return existsSync(REDIS_SERVER)
    ? false
    : `no ${REDIS_SERVER}: run \`apt-get install redis-server\` (.ci/run does)`;
}

/** A running server. */
export interface RedisUnderTest {
  readonly port: number;
  readonly url: string;
  /** Stops the server and removes its directory. */
  readonly stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function answers(port: number): Promise<boolean> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function tryStart(dir: string): Promise<{ child: ChildProcess; port: number } | undefined> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
  const child = spawn(REDIS_SERVER, [...args, '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (let i = 0; i < 100 && !exited; i++) {
    if (await answers(port)) return { child, port };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  return undefined;
}

/** Starts a server (see the module comment). */
export async function startRedis(): Promise<RedisUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'mmu-redis-'));
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = await tryStart(dir);
    if (started === undefined) continue;
    const { child, port } = started;
    const stop = async (): Promise<void> => {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    };
    return { port, url: `redis://127.0.0.1:${port}`, stop };
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error('redis-server did not start on a free port in 3 attempts');
}
