import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { prometheusContentType } from 'prom-client';

import { ApiMetrics } from './api-metrics.service';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get()
  @Header('Content-Type', prometheusContentType)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics of this API process',
    description:
      'HTTP requests and latency by route pattern and status, the queue depth and the live ' +
      'workers (both read from Redis, cluster-wide), and Node.js process metrics. Inference ' +
      'metrics come from each worker, on its own WORKER_METRICS_PORT.',
  })
  @ApiProduces(prometheusContentType)
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    schema: { type: 'string', example: 'lensq_queue_jobs{state="waiting"} 0\n' },
  })
  metricsText(): Promise<string> {
    return this.metrics.render();
  }
}
