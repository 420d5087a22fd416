import type { RedisOptions } from 'ioredis';

// Bull's own default waits up to 20 s between reconnection attempts, so after an outage the
// API and workers could stay cut off for 20 s after Redis is back. Never wait more than this.
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * ioredis options for REDIS_URL (`redis[s]://[user:password@]host[:port][/db]`), reconnecting
 * forever with a short delay: Redis only dispatches, so while it is down the API keeps
 * accepting tasks and the worker waits, and both resume within 2 s of its return.
 */
export function redisConnectionOptions(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  const database = url.pathname.replace(/^\//, '');
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(database ? { db: Number(database) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: { servername: url.hostname } } : {}),
    retryStrategy: (attempt: number) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
  };
}
