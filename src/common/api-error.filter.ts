import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';

import { ErrorResponseDto } from './error-response.dto';
import { LensqError } from './lensq-error';
import { requestIdOf } from './request-id.middleware';

/** Answers every error in one JSON shape; client errors log at debug, unknown ones with their stack. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const body = this.toErrorResponse(exception, requestIdOf(req));

    if (body.statusCode >= 500 && !(exception instanceof LensqError)) {
      const stack = exception instanceof Error ? exception.stack : String(exception);
      this.logger.error(`${req.method} ${req.originalUrl} failed [${body.request_id}]`, stack);
    } else {
      this.logger.debug(`${req.method} ${req.originalUrl} -> ${body.statusCode} ${body.code}`);
    }

    if (res.headersSent) {
      res.end();
      return;
    }
    if (exception instanceof LensqError && exception.retryAfterSeconds !== undefined) {
      res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    }
    res.status(body.statusCode).json(body);
  }

  private toErrorResponse(exception: unknown, requestId: string): ErrorResponseDto {
    if (exception instanceof LensqError) {
      return this.shape(
        exception.status,
        exception.code,
        exception.message,
        requestId,
        exception.details,
      );
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? [response.message].flat().join('; ')
          : exception.message;
      return this.shape(status, codeForStatus(status), message, requestId);
    }
    return this.shape(
      500,
      'internal-error',
      'Something went wrong on our side; try again, and report the request id if it persists',
      requestId,
    );
  }

  private shape(
    statusCode: number,
    code: string,
    message: string,
    requestId: string,
    details: ErrorResponseDto['details'] = [],
  ): ErrorResponseDto {
    return {
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      code,
      message,
      details,
      request_id: requestId,
    };
  }
}

function codeForStatus(status: number): string {
  const names: Record<number, string> = {
    400: 'invalid-request',
    401: 'unauthorized',
    404: 'not-found',
    405: 'method-not-allowed',
    409: 'conflict',
    410: 'gone',
    413: 'request-too-large',
    415: 'unsupported-format',
    429: 'too-many-requests',
    503: 'service-unavailable',
  };
  return names[status] ?? (status >= 500 ? 'internal-error' : 'invalid-request');
}
