/**
 * Connecting to a distributed run's Redis. One probe connection is made first, with no
 * retries and a deadline ({@link CONNECT_TIMEOUT_MS}): a server that does not answer is one
 * {@link QueueError} (`unreachable`) naming the address and the cause, instead of ioredis's
 * default of retrying for ever. After the probe, the connection is kept (it is the run
 * store's) and bullmq's objects get the same address with `maxRetriesPerRequest: null`
 * (bullmq's requirement for its blocking connections): from then on a short outage of the
 * server is ridden out by reconnecting.
 */

import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { QueueError } from '../errors.ts';
import { describeAddress, type QueueAddress } from './url.ts';

/** How long the probe waits for the server's answer. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** The apt command that installs the server (Debian), for messages. */
export const REDIS_APT_COMMAND = 'apt-get install redis-server';

/** ioredis options for `address` (no retries: the probe's; bullmq's set their own). */
export function redisOptions(address: QueueAddress): RedisOptions {
  return {
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.username === undefined ? {} : { username: address.username }),
    ...(address.password === undefined ? {} : { password: address.password }),
    ...(address.tls ? { tls: {} } : {}),
    connectionName: 'mmu-notifier',
  };
}

/** The connection options bullmq's `Queue`, `Worker` and `QueueEvents` get. */
export function bullConnection(address: QueueAddress): BullRedisOptions {
  const { retryStrategy: _none, ...options } = redisOptions(address);
  return { ...options, maxRetriesPerRequest: null, enableOfflineQueue: true };
}

/**
 * Connects to `address` and checks that the server answers `PING`.
 * @throws QueueError (`unreachable`) when it does not within {@link CONNECT_TIMEOUT_MS}.
 */
export async function connectRedis(address: QueueAddress): Promise<Redis> {
  const client = new Redis({
    ...redisOptions(address),
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // An error event with no listener would crash the process; its cause (ECONNREFUSED...)
  // says more than the rejected call's "Connection is closed".
  let cause: unknown;
  client.on('error', (error: unknown) => {
    cause ??= error;
  });
  try {
    await client.connect();
    const pong = await client.ping();
    if (pong !== 'PONG') throw new Error(`PING answered '${pong}'`);
  } catch (error) {
    client.disconnect();
    const first = cause ?? error;
    const why = first instanceof Error ? first.message : String(first);
    throw new QueueError(
      'unreachable',
      `cannot reach Redis at ${describeAddress(address)}: ${why} ` +
        `(is redis-server running there? On Debian: ${REDIS_APT_COMMAND})`,
      { cause: first },
    );
  }
  // Past the probe: reconnect after an outage, as bullmq's connections do.
  client.options.retryStrategy = (times: number) => Math.min(times * 200, 2_000);
  client.options.maxRetriesPerRequest = 20;
  client.options.enableOfflineQueue = true;
  return client;
}
