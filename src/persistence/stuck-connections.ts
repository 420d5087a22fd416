import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * When a query outlives `query_timeout` (the server went silent: host lost, network cut), pg
 * fails the query but keeps its connection waiting for the answer, and the pool would lend
 * that connection again, so every later query on it would wait out the timeout too. This
 * ends such a connection as it is returned, and the next query opens a fresh one (or fails
 * within the connection timeout while the server is still unreachable).
 */
export function dropConnectionsLeftWaiting(dataSource: DataSource): DataSource {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  pool?.on('release', (error: Error | undefined, client: PoolClient) => {
    if (!error && isWaitingForServer(client)) client.end().catch(() => undefined);
  });
  return dataSource;
}

function isWaitingForServer(client: PoolClient): boolean {
  // pg has no public accessor; pg-pool itself reads the client's private state the same way.
  const internals = client as unknown as { _getActiveQuery?: () => unknown };
  return typeof internals._getActiveQuery === 'function' && Boolean(internals._getActiveQuery());
}
