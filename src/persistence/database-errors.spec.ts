import { QueryFailedError } from 'typeorm';

import { isDatabaseUnavailable } from './database-errors';

function queryFailed(driverError: Record<string, unknown>): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], Object.assign(new Error('failed'), driverError));
}

describe(isDatabaseUnavailable.name, () => {
  it('should say yes to a refused or timed-out connection', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const timedOut = new Error('Connection terminated due to connection timeout');

    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(isDatabaseUnavailable(timedOut)).toBe(true);
  });

  it('should say yes to a connection lost mid-query, which pg reports without a SQLSTATE', () => {
    const lost = new QueryFailedError(
      'SELECT 1',
      [],
      new Error('Connection terminated unexpectedly'),
    );

    expect(isDatabaseUnavailable(lost)).toBe(true);
    expect(isDatabaseUnavailable(queryFailed({ code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(queryFailed({ code: '08006' }))).toBe(true);
  });

  it('should say no to errors of the query itself', () => {
    expect(isDatabaseUnavailable(queryFailed({ code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(queryFailed({ code: '22P02' }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('Cannot read properties of undefined'))).toBe(false);
  });
});
