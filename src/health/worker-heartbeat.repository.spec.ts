import { AppConfigService } from '../config/app-config.service';
import { WorkerHeartbeatRepository } from './worker-heartbeat.repository';
import { WorkerStatus } from './worker-status';

function aStatus(overrides: Partial<WorkerStatus> = {}): WorkerStatus {
  return {
    id: 'host-a:101',
    host: 'host-a',
    pid: 101,
    model_version: '1.0.0',
    backend: 'wasm',
    started_at: '2026-01-01T00:00:00.000Z',
    beat_at: '2026-01-01T00:00:05.000Z',
    jobs_done: 3,
    ...overrides,
  };
}

function setup() {
  const transaction = {
    set: jest.fn().mockReturnThis(),
    sadd: jest.fn().mockReturnThis(),
    del: jest.fn().mockReturnThis(),
    srem: jest.fn().mockReturnThis(),
    exec: jest.fn().mockResolvedValue([]),
  };
  const redis = {
    multi: jest.fn(() => transaction),
    smembers: jest.fn().mockResolvedValue([]),
    mget: jest.fn().mockResolvedValue([]),
    srem: jest.fn().mockResolvedValue(0),
  };
  const config = { queuePrefix: 'lensq-test' } as AppConfigService;
  const sut = new WorkerHeartbeatRepository({ client: redis } as never, config);
  return { sut, redis, transaction };
}

describe(WorkerHeartbeatRepository.name, () => {
  it('should write the status under the queue prefix with a TTL, and index it', async () => {
    const { sut, transaction } = setup();
    const status = aStatus();

    await sut.publish(status, 15);

    expect(transaction.set).toHaveBeenCalledWith(
      'lensq-test:workers:host-a:101',
      JSON.stringify(status),
      'EX',
      15,
    );
    expect(transaction.sadd).toHaveBeenCalledWith('lensq-test:workers', 'host-a:101');
  });

  it('should read every worker whose key has not expired', async () => {
    const { sut, redis } = setup();
    const alive = [aStatus(), aStatus({ id: 'host-b:7', host: 'host-b', pid: 7 })];
    redis.smembers.mockResolvedValue(['host-a:101', 'host-b:7']);
    redis.mget.mockResolvedValue(alive.map((status) => JSON.stringify(status)));

    const found = await sut.findAlive();

    expect(redis.mget).toHaveBeenCalledWith([
      'lensq-test:workers:host-a:101',
      'lensq-test:workers:host-b:7',
    ]);
    expect(found).toEqual(alive);
    expect(redis.srem).not.toHaveBeenCalled();
  });

  it('should forget the workers whose heartbeat expired', async () => {
    const { sut, redis } = setup();
    redis.smembers.mockResolvedValue(['host-a:101', 'gone:9']);
    redis.mget.mockResolvedValue([JSON.stringify(aStatus()), null]);

    const found = await sut.findAlive();

    expect(found.map((status) => status.id)).toEqual(['host-a:101']);
    expect(redis.srem).toHaveBeenCalledWith('lensq-test:workers', 'gone:9');
  });

  it('should fail within a second instead of hanging when Redis does not answer', async () => {
    jest.useFakeTimers();
    const { sut, redis } = setup();
    redis.smembers.mockReturnValue(new Promise(() => undefined));

    const reading = sut.findAlive();
    const outcome = expect(reading).rejects.toThrow(/no answer in 1000 ms/);
    await jest.advanceTimersByTimeAsync(1000);

    await outcome;
    jest.useRealTimers();
  });

  it('should remove the key and its index entry', async () => {
    const { sut, transaction } = setup();

    await sut.remove('host-a:101');

    expect(transaction.del).toHaveBeenCalledWith('lensq-test:workers:host-a:101');
    expect(transaction.srem).toHaveBeenCalledWith('lensq-test:workers', 'host-a:101');
  });
});
