import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { prometheusContentType } from 'prom-client';

import { AppConfigService } from '../config/app-config.service';
import { WorkerMetrics } from './worker-metrics.service';

/**
 * The worker has no HTTP API, so Prometheus scrapes it on a port of its own: GET /metrics and
 * nothing else, when WORKER_METRICS_PORT is set. A port that cannot be bound costs the metrics,
 * never the worker: it is logged and the worker goes on consuming the queue.
 */
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerMetricsServer.name);
  private server: Server | undefined;

  constructor(
    private readonly metrics: WorkerMetrics,
    private readonly config: AppConfigService,
  ) {}

  onApplicationBootstrap(): void {
    const port = this.config.workerMetricsPort;
    if (port === 0) return;

    this.server = createServer((req, res) => void this.answer(req, res));
    this.server.on('error', (error) =>
      this.logger.error(`Metrics endpoint not served on port ${port}: ${error.message}`),
    );
    this.server.listen(port, () => this.logger.log(`Metrics at :${port}/metrics`));
  }

  onApplicationShutdown(): void {
    this.server?.close();
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res
        .writeHead(404, { 'Content-Type': 'text/plain' })
        .end('Only GET /metrics is served here\n');
      return;
    }
    try {
      const body = await this.metrics.registry.metrics();
      res.writeHead(200, { 'Content-Type': prometheusContentType }).end(body);
    } catch (error) {
      this.logger.error(`Metrics not rendered: ${(error as Error).message}`);
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Metrics could not be rendered\n');
    }
  }
}
