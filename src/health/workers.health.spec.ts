import { HealthIndicatorService } from '@nestjs/terminus';

import { WorkerHeartbeatRepository } from './worker-heartbeat.repository';
import { WorkerStatus } from './worker-status';
import { WorkersHealthIndicator } from './workers.health';

function aWorker(id: string, modelVersion: string, backend = 'wasm'): WorkerStatus {
  const [host, pid] = id.split(':');
  return {
    id,
    host,
    pid: Number(pid),
    model_version: modelVersion,
    backend,
    started_at: '2026-01-01T00:00:00.000Z',
    beat_at: '2026-01-01T00:00:05.000Z',
    jobs_done: 0,
  };
}

function setup() {
  const heartbeats = { findAlive: jest.fn() };
  const sut = new WorkersHealthIndicator(
    heartbeats as unknown as WorkerHeartbeatRepository,
    new HealthIndicatorService(),
  );
  return { sut, heartbeats };
}

describe(WorkersHealthIndicator.name, () => {
  it('should be up with the model versions and backends the workers run', async () => {
    const { sut, heartbeats } = setup();
    heartbeats.findAlive.mockResolvedValue([
      aWorker('a:1', '2.0.0'),
      aWorker('b:2', '1.0.0', 'tensorflow'),
      aWorker('c:3', '2.0.0'),
    ]);

    const result = await sut.isHealthy();

    expect(result.workers).toMatchObject({ status: 'up', count: 3 });
    expect(result.model).toEqual({
      status: 'up',
      versions: ['1.0.0', '2.0.0'],
      backends: ['tensorflow', 'wasm'],
    });
  });

  it('should be down when no worker has reported in', async () => {
    const { sut, heartbeats } = setup();
    heartbeats.findAlive.mockResolvedValue([]);

    const result = await sut.isHealthy();

    expect(result.workers).toMatchObject({ status: 'down', count: 0 });
    expect(result.model).toMatchObject({ status: 'down' });
  });

  it('should be down, with the reason, when the heartbeats cannot be read', async () => {
    const { sut, heartbeats } = setup();
    heartbeats.findAlive.mockRejectedValue(new Error('Redis heartbeat read: no answer in 1000 ms'));

    const result = await sut.isHealthy();

    expect(result.workers).toEqual({
      status: 'down',
      message: 'Worker heartbeats unreadable: Redis heartbeat read: no answer in 1000 ms',
    });
    expect(result.model.status).toBe('down');
  });
});
