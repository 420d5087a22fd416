import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { requestIdOf } from './request-id.middleware';
import { routePatternOf } from './route-pattern';

// Probes and scrapes arrive every few seconds; logged at debug so they do not drown the rest.
const QUIET_PATHS = ['/health/', '/metrics'];

/**
 * One line per request once it is answered: method, path, matched route, status, duration and
 * request id. Never headers, query strings or bodies, so neither credentials nor image bytes.
 */
@Injectable()
export class AccessLogMiddleware implements NestMiddleware {
  private readonly logger = new Logger('HttpAccess');

  use(req: Request, res: Response, next: NextFunction): void {
    const started = performance.now();
    let isLogged = false;
    const logOnce = () => {
      if (isLogged) return;
      isLogged = true;
      this.log(req, res, performance.now() - started);
    };

    res.once('finish', logOnce);
    // A client that hangs up first still gets its line, with the status as far as it got.
    res.once('close', logOnce);
    next();
  }

  private log(req: Request, res: Response, elapsedMs: number): void {
    const path = req.originalUrl.split('?')[0];
    const status = res.writableFinished ? res.statusCode : `${res.statusCode} (aborted)`;
    const line =
      `${req.method} ${path} ${status} ${Math.round(elapsedMs * 10) / 10} ms ` +
      `route=${routePatternOf(req)} request_id=${requestIdOf(req)}`;

    if (QUIET_PATHS.some((quiet) => path.startsWith(quiet))) this.logger.debug(line);
    else this.logger.log(line);
  }
}
