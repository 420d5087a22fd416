import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';

const toInteger = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' ? Number(value) : value;

/**
 * Every setting lensq reads from the environment, with its default.
 * Nothing else in the app reads `process.env`: inject `AppConfigService` instead.
 */
export class EnvironmentVariables {
  /** HTTP port of the API process. Default 3000. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Redis that dispatches jobs to workers. Default redis://127.0.0.1:6379. */
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must look like redis://host:port[/db]' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Postgres that records every task and its images. Default postgres://postgres@127.0.0.1:5432/test. */
  @Matches(/^postgres(ql)?:\/\/.+/, {
    message: 'DATABASE_URL must look like postgres://user[:password]@host:port/database',
  })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

  /** Postgres schema holding lensq's tables; lets several deployments or test runs share one database. Default public. */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'DATABASE_SCHEMA must be a lower-case SQL identifier such as public or lensq',
  })
  DATABASE_SCHEMA = 'public';

  /** Directory of the TensorFlow.js model (model.json + weights.bin). Default ./model. */
  @IsString()
  @IsNotEmpty()
  MODEL_PATH = 'model';

  /** Prefix of every Redis key of the job queue; separate prefixes give separate queues. Default lensq. */
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, {
    message: 'QUEUE_PREFIX must be 1-64 letters, digits, dots, dashes or underscores',
  })
  QUEUE_PREFIX = 'lensq';

  /** Jobs one worker process runs at the same time. Default 2. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY = 2;

  /** How often a worker re-dispatches tasks that Postgres holds but Redis lost, in seconds. Default 30. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  RECONCILE_INTERVAL_SECONDS = 30;

  /** Most files in one upload. Default 32. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  MAX_FILES_PER_REQUEST = 32;

  /** Most bytes in one uploaded file. Default 10 MiB. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  MAX_FILE_BYTES = 10 * 1024 * 1024;

  /** Most bytes in one request body. Default 50 MiB. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  MAX_REQUEST_BYTES = 50 * 1024 * 1024;

  /** Most pixels (width x height) an image may decode to, checked from its header. Default 40 million. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  MAX_IMAGE_PIXELS = 40_000_000;

  /** Below this confidence a prediction is flagged `uncertain`. Default 0.6. */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value))
  @Min(0)
  @Max(1)
  UNCERTAIN_BELOW = 0.6;

  /** Log lines as readable text or as one JSON object each. Default text. */
  @IsIn(['text', 'json'])
  LOG_FORMAT: 'text' | 'json' = 'text';

  /** Lowest level logged. Default log. */
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  @IsOptional()
  @IsString()
  NODE_ENV?: string;
}

/**
 * Turns the raw environment into typed settings, reporting every bad variable at once
 * so that a misconfigured process stops at start with all it needs to know.
 */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const known = Object.keys(new EnvironmentVariables());
  const relevant = Object.fromEntries(
    Object.entries(raw).filter(([name, value]) => known.includes(name) && value !== ''),
  );
  const settings = plainToInstance(EnvironmentVariables, relevant);
  const errors = validateSync(settings, { skipMissingProperties: false });
  if (errors.length > 0) {
    const problems = errors.map((error) => {
      const reasons = Object.values(error.constraints ?? {}).join('; ');
      return `  ${error.property}=${JSON.stringify(error.value)}: ${reasons}`;
    });
    throw new Error(
      `Invalid configuration, fix these environment variables:\n${problems.join('\n')}`,
    );
  }
  return settings;
}
