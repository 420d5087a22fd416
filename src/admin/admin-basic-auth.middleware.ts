import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { requestIdOf } from '../common/request-id.middleware';
import { markMountPattern } from '../common/route-pattern';
import { AppConfigService } from '../config/app-config.service';
import { hasAdminCredentials } from './admin-credentials';

/**
 * HTTP basic authentication in front of the queue dashboard. Answers 401 with a challenge, in
 * the API's one error shape, to any request without the configured credentials.
 */
@Injectable()
export class AdminBasicAuthMiddleware implements NestMiddleware {
  private readonly logger = new Logger(AdminBasicAuthMiddleware.name);

  constructor(private readonly config: AppConfigService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    // The dashboard's page, assets and refusals match no Nest route; one label keeps them apart.
    markMountPattern(req, `${req.baseUrl}/*`);

    const expected = this.config.adminCredentials;
    if (expected && hasAdminCredentials(req.header('authorization'), expected)) {
      next();
      return;
    }

    const requestId = requestIdOf(req);
    if (req.header('authorization')) {
      this.logger.warn(`Wrong admin credentials for ${req.method} ${req.baseUrl} [${requestId}]`);
    }
    res
      .status(401)
      .setHeader('WWW-Authenticate', 'Basic realm="lensq admin", charset="UTF-8"')
      .json({
        statusCode: 401,
        error: 'Unauthorized',
        code: 'unauthorized',
        message: 'The queue dashboard needs the admin user name and password (HTTP basic auth)',
        details: [],
        request_id: requestId,
      });
  }
}
