import { Injectable, NestMiddleware } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const REQUEST_ID = Symbol('requestId');
const ACCEPTABLE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Gives every request an id (the client's X-Request-Id when it is sane) and echoes it back. */
@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    const offered = req.header('x-request-id');
    const id = offered && ACCEPTABLE_ID.test(offered) ? offered : randomUUID();
    (req as unknown as Record<symbol, string>)[REQUEST_ID] = id;
    res.setHeader('X-Request-Id', id);
    next();
  }
}

export function requestIdOf(req: Request): string {
  return (req as unknown as Record<symbol, string | undefined>)[REQUEST_ID] ?? 'unknown';
}
