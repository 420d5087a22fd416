import { QueryFailedError } from 'typeorm';

// SQLSTATE classes and codes that say the server cannot serve now, not that the query was
// wrong: 08 connection exception, 57P01-57P03 shutting down or starting up, 53300 too many
// connections.
const UNAVAILABLE_STATES = /^(08...|57P0[1-3]|53300)$/;

/**
 * True when an error means Postgres could not be reached or dropped the connection, so the
 * same work may succeed later: a refused or timed-out connection, a connection lost mid-query
 * (pg reports it without a SQLSTATE, and TypeORM wraps it in a QueryFailedError), a server
 * going down. False for errors of the query itself, such as a unique violation.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (!(error instanceof QueryFailedError)) return isConnectionError(error);

  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? UNAVAILABLE_STATES.test(code) : true;
}

function isConnectionError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ETIMEDOUT …
  return /connection|timeout|terminated|not queryable/i.test(error.message);
}
