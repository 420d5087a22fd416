import { Controller, Get, Header, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';

import { HealthReportDto } from './dto/health-report.dto';
import { HealthService } from './health.service';

/**
 * Probes for orchestrators. A report that is not `ok` answers 503 with the report itself, not
 * the error shape of the rest of the API: it says which check failed and why.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Liveness: the API process is up',
    description: 'Consults nothing outside the process; restart the process only when this fails.',
  })
  @ApiOkResponse({ type: HealthReportDto, description: 'The process is up' })
  @ApiServiceUnavailableResponse({ type: HealthReportDto, description: 'The process is stopping' })
  async live(@Res({ passthrough: true }) res: Response): Promise<HealthReportDto> {
    return withStatus(res, await this.health.live());
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Readiness: tasks submitted now will be processed',
    description:
      'Checks Redis (PING), Postgres (SELECT 1) and that at least one worker has reported in ' +
      'within its heartbeat TTL, with the model version and TensorFlow.js backend it runs. ' +
      'Answers within about a second even when Redis or Postgres is down.',
  })
  @ApiOkResponse({ type: HealthReportDto, description: 'Every check is up' })
  @ApiServiceUnavailableResponse({
    type: HealthReportDto,
    description: 'A check is down; `error` says which and why',
  })
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthReportDto> {
    return withStatus(res, await this.health.ready());
  }
}

function withStatus(res: Response, report: HealthReportDto): HealthReportDto {
  res.status(report.status === 'ok' ? 200 : 503);
  return report;
}
