import { ConsoleLogger, LogLevel } from '@nestjs/common';

import { EnvironmentVariables } from '../config/environment';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** The process logger: readable lines in development, one JSON object per line in production. */
export function createAppLogger(
  settings: EnvironmentVariables,
  processName: string,
): ConsoleLogger {
  const lowest = LEVELS.indexOf(settings.LOG_LEVEL);
  return new ConsoleLogger(processName, {
    json: settings.LOG_FORMAT === 'json',
    colors: settings.LOG_FORMAT === 'text' && Boolean(process.stdout.isTTY),
    logLevels: LEVELS.slice(0, lowest + 1),
    prefix: `lensq-${processName}`,
  });
}
