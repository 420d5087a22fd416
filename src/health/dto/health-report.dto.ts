import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';

/**
 * The answer of the health endpoints, in Terminus's shape: one entry per check, each `up` or
 * `down` with what was found (response times, the workers' model versions and backends).
 */
export class HealthReportDto {
  /** `ok` when every check is up, `error` when one is down, `shutting_down` while the API stops. */
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'], example: 'ok' })
  status!: 'ok' | 'error' | 'shutting_down';

  /** The checks that are up. */
  @ApiProperty(
    checksByName({
      redis: { status: 'up', response_ms: 1 },
      database: { status: 'up', response_ms: 2 },
    }),
  )
  info!: Record<string, HealthCheckDetail>;

  /** The checks that are down, with why. */
  @ApiProperty(
    checksByName({
      workers: { status: 'down', count: 0, message: 'No worker has reported in recently' },
    }),
  )
  error!: Record<string, HealthCheckDetail>;

  /** Every check, up or down. */
  @ApiProperty(checksByName({ redis: { status: 'up', response_ms: 1 } }))
  details!: Record<string, HealthCheckDetail>;
}

export interface HealthCheckDetail {
  status: 'up' | 'down';
  [detail: string]: unknown;
}

/** Checks by their name; beside `status`, the fields of each depend on the check. */
function checksByName(example: Record<string, HealthCheckDetail>): ApiPropertyOptions {
  return {
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['up', 'down'] } },
      additionalProperties: true,
    },
    example,
  };
}
