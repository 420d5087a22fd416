import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidateIf,
} from 'class-validator';

/** Numbers arrive as text; text that is no number stays text, so the message says "a number". */
const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
    ? Number(value)
    : value;

const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** The dashboard login is all or nothing: once either half is set, both are validated. */
const isAdminLoginConfigured = (settings: EnvironmentVariables) =>
  settings.ADMIN_USERNAME !== undefined || settings.ADMIN_PASSWORD !== undefined;

/** A whole-number setting given as text, from `min` up to `max`. */
function IntegerSetting(min: number, max = Number.MAX_SAFE_INTEGER): PropertyDecorator {
  return composeDecorators(Transform(toNumber), IsInt(), Min(min), Max(max));
}

/** A decimal setting given as text, from `min` up to `max`; `message` says what is expected. */
function NumberSetting(message: string, min: number, max = Number.MAX_VALUE): PropertyDecorator {
  return composeDecorators(Transform(toNumber), IsNumber({}, { message }), Min(min), Max(max));
}

function composeDecorators(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

// Settings whose values must never be printed, not even when they are wrong.
const SECRET_SETTINGS = new Set(['API_KEYS', 'ADMIN_PASSWORD']);

/**
 * Every setting lensq reads from the environment, with its default.
 * Nothing else in the app reads `process.env`: inject `AppConfigService` instead.
 */
export class EnvironmentVariables {
  /** HTTP port of the API process. Default 3000. */
  @IntegerSetting(0, 65535)
  PORT = 3000;

  /**
   * Address the API, and a worker's metrics endpoint, listen on: 0.0.0.0 for every interface
   * (containers), 127.0.0.1 for this host only. Default 0.0.0.0.
   */
  @Matches(/^[0-9a-fA-F.:]+$|^localhost$/, {
    message: 'HOST must be an IP address such as 0.0.0.0, 127.0.0.1 or ::, or localhost',
  })
  HOST = '0.0.0.0';

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

  /**
   * Jobs one worker process runs at the same time. While one job waits on Postgres or
   * decodes, the others use the CPU, and jobs in hand together share forward passes of the
   * model. Default 8: on two cores, 2 left the CPU idle between jobs and 16 or more only
   * queued work inside the worker (bench/README.md).
   */
  @IntegerSetting(1, 64)
  WORKER_CONCURRENCY = 8;

  /** How often a worker re-dispatches tasks that Postgres holds but Redis lost, in seconds. Default 30. */
  @IntegerSetting(1)
  RECONCILE_INTERVAL_SECONDS = 30;

  /**
   * How long a worker's claim on a job lasts without renewal, in seconds: a worker that dies
   * mid-job (killed, out of memory, host lost) has its job run elsewhere within about 1.5
   * times this. A live worker renews its claim every half of it. Default 30.
   */
  @IntegerSetting(2, 3600)
  QUEUE_LOCK_SECONDS = 30;

  /** How long a finished task's results stay readable, in hours; then its id answers 410. Default 168 (7 days). */
  @NumberSetting('TASK_RETENTION_HOURS must be a number of hours, such as 168', 0.0001)
  TASK_RETENTION_HOURS = 168;

  /** How often a worker sweeps expired tasks, in seconds. Default 300. */
  @IntegerSetting(1)
  RETENTION_SWEEP_INTERVAL_SECONDS = 300;

  /** Keep uploaded image bytes after a task finishes (until it expires) instead of deleting them at once. Default false. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'KEEP_IMAGES_AFTER_FINISH must be true or false' })
  KEEP_IMAGES_AFTER_FINISH = false;

  /**
   * API keys as comma-separated `owner:key` pairs (owner 1-64 of a-z, 0-9, _ and -; key at
   * least 16 characters). Default empty: keys are off and every task is visible to everyone.
   */
  @Matches(/^$|^[a-z0-9_-]{1,64}:[^,:\s]{16,}(,[a-z0-9_-]{1,64}:[^,:\s]{16,})*$/, {
    message:
      'API_KEYS must be comma-separated owner:key pairs, owner of a-z 0-9 _ -, key of 16+ characters',
  })
  API_KEYS = '';

  /** Requests per minute allowed to one API key (or one client address when keys are off); 0 turns the limit off. Default 0. */
  @IntegerSetting(0)
  RATE_LIMIT_PER_MINUTE = 0;

  /** Most files in one upload. Default 32. */
  @IntegerSetting(1, 1000)
  MAX_FILES_PER_REQUEST = 32;

  /** Most bytes in one uploaded file. Default 10 MiB. */
  @IntegerSetting(1)
  MAX_FILE_BYTES = 10 * 1024 * 1024;

  /**
   * Most bytes in one request body. Default 50 MiB, at most 200 MiB: a worker claims a task with
   * its images as one hex string, which must stay under V8's limit on string length (2^29).
   */
  @IntegerSetting(1, 200 * 1024 * 1024)
  MAX_REQUEST_BYTES = 50 * 1024 * 1024;

  /** Most pixels (width x height) an image may decode to, checked from its header. Default 40 million. */
  @IntegerSetting(1)
  MAX_IMAGE_PIXELS = 40_000_000;

  /** Below this confidence a prediction is flagged `uncertain`. Default 0.6. */
  @NumberSetting('UNCERTAIN_BELOW must be a number from 0 to 1', 0, 1)
  UNCERTAIN_BELOW = 0.6;

  /** Log lines as readable text or as one JSON object each. Default text. */
  @IsIn(['text', 'json'])
  LOG_FORMAT: 'text' | 'json' = 'text';

  /** Lowest level logged. Default log. */
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /**
   * User name that opens the Bull Board queue dashboard at /admin/queues, with ADMIN_PASSWORD.
   * Default none: without both, the dashboard is not mounted at all.
   */
  @ValidateIf(isAdminLoginConfigured)
  @Matches(/^[^:]+$/, {
    message: 'ADMIN_USERNAME must be set, without a colon, whenever ADMIN_PASSWORD is',
  })
  ADMIN_USERNAME?: string;

  /** Password of ADMIN_USERNAME for /admin/queues. Default none: the dashboard is not mounted. */
  @ValidateIf(isAdminLoginConfigured)
  @IsString()
  @MinLength(12, {
    message: 'ADMIN_PASSWORD must be set, with at least 12 characters, whenever ADMIN_USERNAME is',
  })
  ADMIN_PASSWORD?: string;

  /**
   * Port of the worker's Prometheus endpoint (GET /metrics); the worker serves nothing else.
   * Default 0: off, so that several workers on one host never compete for a port.
   */
  @IntegerSetting(0, 65535)
  WORKER_METRICS_PORT = 0;

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
      const constraints = error.constraints ?? {};
      // "must be a number" says it all; its range rules would only add noise.
      const reasons =
        constraints.isInt ?? constraints.isNumber ?? Object.values(constraints).join('; ');
      return `  ${error.property}=${printable(error.property, relevant[error.property])}: ${reasons}`;
    });
    throw new Error(
      `Invalid configuration, fix these environment variables:\n${problems.join('\n')}`,
    );
  }
  return settings;
}

/** A setting's value for an error message, with secrets and URL passwords hidden. */
function printable(name: string, value: unknown): string {
  if (value === undefined) return '(not set)';
  if (SECRET_SETTINGS.has(name)) return '(hidden)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return JSON.stringify(text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@'));
}
