import { InjectQueue } from '@nestjs/bull';
import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import type { Request, Response } from 'express';

import { LensqError } from '../common/lensq-error';
import { requesterOf } from '../common/requester.decorator';
import { withTimeout } from '../common/with-timeout';
import { AppConfigService } from '../config/app-config.service';
import { QueueName } from '../queue/queue.constants';

const WINDOW_SECONDS = 60;
const REDIS_TIMEOUT_MS = 500;

/**
 * A fixed one-minute window per API key (or client address when keys are off), counted in
 * Redis so that every API process on every host shares it. Fails open: when Redis does not
 * answer, requests pass rather than the API going down with it.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger(RateLimitGuard.name);

  constructor(
    @InjectQueue(QueueName.Predictions) private readonly queue: Queue,
    private readonly config: AppConfigService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const limit = this.config.rateLimitPerMinute;
    if (limit === 0) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();

    const client =
      requesterOf(req).owner ?? `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
    const window = Math.floor(Date.now() / 1000 / WINDOW_SECONDS);
    const count = await this.countRequest(
      `${this.config.queuePrefix}:ratelimit:${client}:${window}`,
    );
    if (count === null) return true;

    const retryAfter = (window + 1) * WINDOW_SECONDS - Math.floor(Date.now() / 1000);
    res.setHeader('RateLimit-Limit', String(limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, limit - count)));
    res.setHeader('RateLimit-Reset', String(retryAfter));
    if (count > limit) {
      throw new LensqError(
        'too-many-requests',
        `Rate limit of ${limit} requests per minute reached; retry in ${retryAfter} s`,
        [],
        retryAfter,
      );
    }
    return true;
  }

  private async countRequest(key: string): Promise<number | null> {
    try {
      const replies = await withTimeout(
        this.queue.client
          .multi()
          .incr(key)
          .expire(key, WINDOW_SECONDS * 2)
          .exec(),
        REDIS_TIMEOUT_MS,
        'Redis rate-limit count',
      );
      return Number(replies?.[0]?.[1] ?? 0);
    } catch (error) {
      this.logger.warn(`Rate limit not applied: ${(error as Error).message}`);
      return null;
    }
  }
}
