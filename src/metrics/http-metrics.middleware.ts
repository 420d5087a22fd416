import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { routePatternOf } from '../common/route-pattern';
import { ApiMetrics } from './api-metrics.service';

/** Counts every answered request by route pattern and status, with its latency. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: ApiMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = performance.now();
    res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      this.metrics.recordRequest(req.method, routePatternOf(req), res.statusCode, seconds);
    });
    next();
  }
}
