import { WorkerHeartbeatRepository } from '../health/worker-heartbeat.repository';
import { ApiMetrics } from './api-metrics.service';

function setup() {
  const queue = {
    getJobCounts: jest
      .fn()
      .mockResolvedValue({ waiting: 4, active: 2, delayed: 1, failed: 0, completed: 9 }),
  };
  const heartbeats = {
    findAlive: jest.fn().mockResolvedValue([
      { model_version: '1.0.0', backend: 'wasm' },
      { model_version: '1.0.0', backend: 'wasm' },
    ]),
  };
  const sut = new ApiMetrics(queue as never, heartbeats as unknown as WorkerHeartbeatRepository);
  return { sut, queue, heartbeats };
}

describe(ApiMetrics.name, () => {
  it('should label requests with the route pattern and status', async () => {
    const { sut } = setup();

    sut.recordRequest('GET', '/tasks/result/:id', 200, 0.012);
    sut.recordRequest('GET', '/tasks/result/:id', 200, 0.3);

    const text = await sut.render();
    expect(text).toContain(
      'lensq_http_requests_total{method="GET",route="/tasks/result/:id",status="200"} 2',
    );
    expect(text).toContain(
      'lensq_http_request_duration_seconds_bucket{le="0.025",method="GET",route="/tasks/result/:id",status="200"} 1',
    );
  });

  it('should read the queue depth and the live workers at scrape time', async () => {
    const { sut, queue } = setup();

    const text = await sut.render();

    expect(queue.getJobCounts).toHaveBeenCalledTimes(1);
    expect(text).toContain('lensq_queue_jobs{state="waiting"} 4');
    expect(text).toContain('lensq_queue_jobs{state="active"} 2');
    expect(text).toContain('lensq_queue_jobs{state="delayed"} 1');
    expect(text).toContain('lensq_workers_alive{model_version="1.0.0",backend="wasm"} 2');
  });

  it('should still answer, without the Redis series, when Redis does not answer', async () => {
    jest.useFakeTimers();
    const { sut, queue, heartbeats } = setup();
    queue.getJobCounts.mockReturnValue(new Promise(() => undefined));
    heartbeats.findAlive.mockReturnValue(new Promise(() => undefined));

    const rendering = sut.render();
    await jest.advanceTimersByTimeAsync(1000);
    const text = await rendering;
    jest.useRealTimers();

    expect(text).not.toMatch(/^lensq_queue_jobs\{/m);
    expect(text).not.toMatch(/^lensq_workers_alive\{/m);
    expect(text).toContain('# TYPE lensq_http_requests_total counter');
  });
});
