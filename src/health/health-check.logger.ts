import { Injectable, Logger, LoggerService } from '@nestjs/common';

/**
 * Terminus's logger. A failed readiness check is an expected answer (503 while a worker or
 * Redis is down), repeated on every probe, and orchestrators act on the answer itself: its
 * line is a warning, not an error. The message is Terminus's own, unchanged.
 */
@Injectable()
export class HealthCheckLogger implements LoggerService {
  private readonly logger = new Logger('HealthCheckService');

  log(message: unknown): void {
    this.logger.log(message);
  }

  error(message: unknown): void {
    this.logger.warn(message);
  }

  warn(message: unknown): void {
    this.logger.warn(message);
  }

  debug(message: unknown): void {
    this.logger.debug(message);
  }

  verbose(message: unknown): void {
    this.logger.verbose(message);
  }
}
