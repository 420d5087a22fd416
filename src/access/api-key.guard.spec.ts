import { ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

import { LensqError } from '../common/lensq-error';
import { requesterOf } from '../common/requester.decorator';
import { AppConfigService } from '../config/app-config.service';
import { ApiKeyGuard } from './api-key.guard';

function contextFor(headers: Record<string, string>): { context: ExecutionContext; req: Request } {
  const req = { header: (name: string) => headers[name.toLowerCase()] } as unknown as Request;
  const context = {
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
  return { context, req };
}

function guardWithKeys(keys: Record<string, string>): ApiKeyGuard {
  const config = { apiKeys: new Map(Object.entries(keys)) } as unknown as AppConfigService;
  return new ApiKeyGuard(config);
}

describe(ApiKeyGuard.name, () => {
  it('should let everyone in as the anonymous requester when no keys are configured', () => {
    const sut = guardWithKeys({});
    const { context, req } = contextFor({});

    expect(sut.canActivate(context)).toBe(true);
    expect(requesterOf(req)).toEqual({ owner: null });
  });

  it('should make the owner of a valid X-API-Key the requester', () => {
    const sut = guardWithKeys({ 'alice-key-0123456789': 'alice' });
    const { context, req } = contextFor({ 'x-api-key': 'alice-key-0123456789' });

    sut.canActivate(context);

    expect(requesterOf(req)).toEqual({ owner: 'alice' });
  });

  it('should accept the key as a bearer token', () => {
    const sut = guardWithKeys({ 'bob-key-0123456789ab': 'bob' });
    const { context, req } = contextFor({ authorization: 'Bearer bob-key-0123456789ab' });

    sut.canActivate(context);

    expect(requesterOf(req)).toEqual({ owner: 'bob' });
  });

  it('should refuse a missing or unknown key with an unauthorized error saying what to send', () => {
    const sut = guardWithKeys({ 'alice-key-0123456789': 'alice' });

    expect(() => sut.canActivate(contextFor({}).context)).toThrow(LensqError);
    expect(() => sut.canActivate(contextFor({}).context)).toThrow(/X-API-Key/);
    expect(() =>
      sut.canActivate(contextFor({ 'x-api-key': 'alice-key-012345678' }).context),
    ).toThrow(/not valid/);
  });
});
