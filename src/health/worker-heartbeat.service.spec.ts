import { EventEmitter } from 'node:events';

import { DigitReadingService } from '../inference/digit-reading.service';
import { WorkerHeartbeatRepository } from './worker-heartbeat.repository';
import {
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TTL_SECONDS,
  WorkerHeartbeat,
} from './worker-heartbeat.service';

function setup() {
  const heartbeats = {
    publish: jest.fn().mockResolvedValue(undefined),
    remove: jest.fn().mockResolvedValue(undefined),
  };
  const digitReading = { modelVersion: '1.2.3', backend: 'wasm' };
  const queue = new EventEmitter();
  const sut = new WorkerHeartbeat(
    heartbeats as unknown as WorkerHeartbeatRepository,
    digitReading as DigitReadingService,
    queue as never,
  );
  return { sut, heartbeats, queue };
}

describe(WorkerHeartbeat.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('should publish the model version and backend at bootstrap, with a TTL', async () => {
    const { sut, heartbeats } = setup();

    sut.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);

    expect(heartbeats.publish).toHaveBeenCalledTimes(1);
    expect(heartbeats.publish).toHaveBeenCalledWith(
      expect.objectContaining({
        id: sut.workerId,
        pid: process.pid,
        model_version: '1.2.3',
        backend: 'wasm',
        jobs_done: 0,
      }),
      HEARTBEAT_TTL_SECONDS,
    );
    await sut.onModuleDestroy();
  });

  it('should refresh the heartbeat well within its TTL', async () => {
    const { sut, heartbeats } = setup();

    sut.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS * 2);

    expect(heartbeats.publish).toHaveBeenCalledTimes(3);
    expect(HEARTBEAT_INTERVAL_MS * 2).toBeLessThan(HEARTBEAT_TTL_SECONDS * 1000);
    await sut.onModuleDestroy();
  });

  it('should count the jobs this process finished, completed or failed', async () => {
    const { sut, queue } = setup();
    sut.onApplicationBootstrap();

    queue.emit('completed', {}, 'completed');
    queue.emit('failed', {}, new Error('boom'));

    expect(sut.status().jobs_done).toBe(2);
    await sut.onModuleDestroy();
  });

  it('should survive a failed write and try again at the next beat', async () => {
    const { sut, heartbeats } = setup();
    heartbeats.publish.mockRejectedValueOnce(new Error('Redis PING: no answer in 1000 ms'));

    sut.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS);

    expect(heartbeats.publish).toHaveBeenCalledTimes(2);
    await sut.onModuleDestroy();
  });

  it('should withdraw its heartbeat and stop beating when the process shuts down', async () => {
    const { sut, heartbeats } = setup();
    sut.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);

    await sut.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS * 3);

    expect(heartbeats.remove).toHaveBeenCalledWith(sut.workerId);
    expect(heartbeats.publish).toHaveBeenCalledTimes(1);
  });

  it('should not fail the shutdown when the heartbeat cannot be withdrawn', async () => {
    const { sut, heartbeats } = setup();
    heartbeats.remove.mockRejectedValue(new Error('Connection is closed.'));
    sut.onApplicationBootstrap();

    await expect(sut.onModuleDestroy()).resolves.toBeUndefined();
  });
});
