import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';

import { LensqError } from '../common/lensq-error';
import { setRequester } from '../common/requester.decorator';
import { AppConfigService } from '../config/app-config.service';

export const API_KEY_HEADER = 'x-api-key';

/**
 * When API keys are configured, every task route needs one (X-API-Key, or Authorization:
 * Bearer) and the key's owner becomes the requester: tasks of other owners are invisible.
 * When none are configured, everyone is the anonymous requester.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly ownerByKeyDigest: Map<string, string>;

  constructor(config: AppConfigService) {
    this.ownerByKeyDigest = new Map(
      [...config.apiKeys].map(([key, owner]) => [digest(key).toString('hex'), owner]),
    );
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (this.ownerByKeyDigest.size === 0) {
      setRequester(req, { owner: null });
      return true;
    }

    const presented = presentedKey(req);
    if (!presented) {
      throw new LensqError(
        'unauthorized',
        'An API key is required: send it in the X-API-Key header or as Authorization: Bearer <key>',
      );
    }
    const owner = this.ownerOf(presented);
    if (!owner) {
      throw new LensqError(
        'unauthorized',
        'The API key is not valid; check it for typos or ask for a new one',
      );
    }

    setRequester(req, { owner });
    return true;
  }

  /** Compares digests in constant time so response timing says nothing about the keys. */
  private ownerOf(presented: string): string | undefined {
    const candidate = digest(presented);
    let found: string | undefined;
    for (const [known, owner] of this.ownerByKeyDigest) {
      if (timingSafeEqual(candidate, Buffer.from(known, 'hex'))) found = owner;
    }
    return found;
  }
}

function presentedKey(req: Request): string | undefined {
  const header = req.header(API_KEY_HEADER);
  if (header) return header.trim();
  const authorization = req.header('authorization');
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i);
  return bearer?.[1];
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
