import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prometheusContentType } from 'prom-client';

import { AppConfigService } from '../config/app-config.service';
import { WorkerMetrics } from './worker-metrics.service';

/**
 * The worker has no HTTP API, so Prometheus scrapes it on a port of its own: GET /metrics and
 * nothing else, when WORKER_METRICS_PORT is set, on the same HOST as the API so that a host-only
 * setting keeps the metrics on this host too. A port that cannot be bound costs the metrics,
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

  /** Resolves once the endpoint listens, or once binding failed (logged; the worker goes on). */
  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.workerMetricsPort;
    const host = this.config.host;
    if (port === 0) return;

    const server = createServer((req, res) => void this.answer(req, res));
    this.server = server;
    await new Promise<void>((resolve) => {
      server.on('error', (error) => {
        this.logger.error(`Metrics endpoint not served on ${host} port ${port}: ${error.message}`);
        resolve();
      });
      server.listen(port, host, () => {
        this.logger.log(`Metrics at ${host}:${port}/metrics`);
        resolve();
      });
    });
  }

  /** Where the endpoint listens, once it does; undefined when it is off or not bound. */
  get address(): AddressInfo | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address : undefined;
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
