import { Logger } from '@nestjs/common';

import { HealthCheckLogger } from './health-check.logger';

describe(HealthCheckLogger.name, () => {
  afterEach(() => jest.restoreAllMocks());

  it("should log Terminus's failed-check message as a warning, unchanged", () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const sut = new HealthCheckLogger();

    sut.error('Health Check has failed! {"workers":{"status":"down"}}');

    expect(warn).toHaveBeenCalledWith('Health Check has failed! {"workers":{"status":"down"}}');
    expect(error).not.toHaveBeenCalled();
  });
});
