/**
 * The `--queue <url>` of `mmu-notifier check` and `mmu-notifier worker`: a Redis URL, parsed
 * and checked before anything connects, so that a typo is one line naming the problem rather
 * than a client retrying for ever.
 *
 * Accepted: `redis://[[user]:password@]host[:port][/db]` and `rediss://...` (TLS). The port
 * defaults to 6379 and the database to 0 (Redis numbers them 0-15 by default; up to
 * {@link REDIS_DB_MAX} is accepted, the server has the last word). Nothing else: no query
 * options, no Unix sockets (a distributed run needs a TCP address every machine reaches).
 */

import { QueueError } from '../errors.ts';

/** Redis's default port. */
export const REDIS_PORT_DEFAULT = 6379;

/** The largest database index accepted in a URL (`databases` is 16 by default). */
export const REDIS_DB_MAX = 1023;

/** Where a distributed run's Redis is. */
export interface QueueAddress {
  /** Host name or address (brackets of an IPv6 literal removed). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Database index (`SELECT`). */
  readonly db: number;
  /** ACL user name, when given. */
  readonly username?: string;
  /** Password, when given (never printed: {@link describeAddress} leaves it out). */
  readonly password?: string;
  /** `rediss://`: TLS. */
  readonly tls: boolean;
}

/** `text` with the password of a `//user:password@` part masked (messages never show it). */
function masked(text: string): string {
  return text.replace(/(\/\/[^/@]*?:)[^/@]*@/, '$1***@');
}

function bad(text: string, why: string): QueueError {
  return new QueueError(
    'bad-url',
    `--queue '${masked(text)}' is not a Redis URL: ${why} (expected redis://host:port, e.g. redis://127.0.0.1:6379)`,
  );
}

function parsePort(text: string, port: string): number {
  if (port === '') return REDIS_PORT_DEFAULT;
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw bad(text, `port '${port}' is not 1-65535`);
  return n;
}

function parseDb(text: string, path: string): number {
  if (path === '' || path === '/') return 0;
  const m = /^\/(\d+)$/.exec(path);
  if (m === null) throw bad(text, `the path '${path}' is not a database number like /0`);
  const db = Number(m[1]);
  if (db > REDIS_DB_MAX) throw bad(text, `database ${db} is past ${REDIS_DB_MAX}`);
  return db;
}

/**
 * Parses a `--queue` URL.
 * @throws QueueError (`bad-url`) naming what is wrong with it.
 */
export function parseQueueUrl(text: string): QueueAddress {
  const trimmed = text.trim();
  if (trimmed === '') throw bad(text, 'it is empty');
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw bad(text, 'it does not parse as a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw bad(text, `the scheme is '${url.protocol.replace(/:$/, '')}', not redis or rediss`);
  if (url.hostname === '') throw bad(text, 'it names no host');
  if (url.search !== '' || url.hash !== '')
    throw bad(text, 'query options and fragments are not supported');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  return {
    host,
    port: parsePort(text, url.port),
    db: parseDb(text, url.pathname),
    ...(username === '' ? {} : { username }),
    ...(password === '' ? {} : { password }),
    tls: url.protocol === 'rediss:',
  };
}

/** The address as printed in messages: scheme, host, port and database, never a password. */
export function describeAddress(address: QueueAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const user = address.username === undefined ? '' : `${address.username}@`;
  return `${address.tls ? 'rediss' : 'redis'}://${user}${host}:${address.port}/${address.db}`;
}
