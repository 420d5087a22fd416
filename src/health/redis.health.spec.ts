import { HealthIndicatorService } from '@nestjs/terminus';

import { RedisHealthIndicator } from './redis.health';

function setup(ping: jest.Mock) {
  const sut = new RedisHealthIndicator({ client: { ping } } as never, new HealthIndicatorService());
  return { sut };
}

describe(RedisHealthIndicator.name, () => {
  it('should be up when Redis answers PING', async () => {
    const { sut } = setup(jest.fn().mockResolvedValue('PONG'));

    const result = await sut.isHealthy('redis');

    expect(result.redis).toMatchObject({ status: 'up', response_ms: expect.any(Number) });
  });

  it('should be down after a second when Redis does not answer', async () => {
    jest.useFakeTimers();
    const { sut } = setup(jest.fn().mockReturnValue(new Promise(() => undefined)));

    const checking = sut.isHealthy('redis');
    await jest.advanceTimersByTimeAsync(1000);
    const result = await checking;
    jest.useRealTimers();

    expect(result.redis).toEqual({ status: 'down', message: 'Redis PING: no answer in 1000 ms' });
  });
});
