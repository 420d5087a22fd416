import { createServer } from 'node:net';

import { AppConfigService } from '../config/app-config.service';
import { WorkerMetricsServer } from './worker-metrics.server';
import { WorkerMetrics } from './worker-metrics.service';

/** A port nothing listens on right now, found by letting the system pick one. */
async function aFreePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

function setup(settings: { host: string; workerMetricsPort: number }) {
  const metrics = { registry: { metrics: () => Promise.resolve('') } } as unknown as WorkerMetrics;
  const sut = new WorkerMetricsServer(metrics, settings as AppConfigService);
  return { sut };
}

describe(WorkerMetricsServer.name, () => {
  it('should listen on HOST only, like the API, when HOST is 127.0.0.1', async () => {
    const port = await aFreePort();
    const { sut } = setup({ host: '127.0.0.1', workerMetricsPort: port });

    await sut.onApplicationBootstrap();

    try {
      expect(sut.address).toMatchObject({ address: '127.0.0.1', port });
    } finally {
      sut.onApplicationShutdown();
    }
  });

  it('should serve nothing when WORKER_METRICS_PORT is 0', async () => {
    const { sut } = setup({ host: '127.0.0.1', workerMetricsPort: 0 });

    await sut.onApplicationBootstrap();

    expect(sut.address).toBeUndefined();
  });
});
